namespace CloudController.FirstBoot;

/// <summary>
/// The metadata a VM needs on its first boot, generated ahead of demand: its host RSA key pair, its machine GUID, a
/// TLS key pair whose certificate is issued at hand-out (when the VM's name and address are known), and an LTPA key.
/// Keys are DER: PKCS#8 for private keys, SubjectPublicKeyInfo for public ones.
/// </summary>
public sealed record FirstBootSet(
    Guid SetId,
    Guid MachineGuid,
    byte[] HostRsaPrivate,
    byte[] HostRsaPublic,
    byte[] TlsPrivate,
    byte[] TlsPublic,
    byte[] LtpaKey,
    DateTimeOffset GeneratedAt)
{
    /// <summary>Never the private material: sets pass through logs and exceptions.</summary>
    public override string ToString() => $"first-boot set {SetId} (machine {MachineGuid}, generated {GeneratedAt:O})";
}
