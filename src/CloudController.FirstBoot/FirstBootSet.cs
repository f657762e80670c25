using System.Buffers.Binary;

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

    /// <summary>The canonical byte form that is sealed at rest (length-prefixed fields, fixed order).</summary>
    internal byte[] ToBytes()
    {
        var generatedAt = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(generatedAt, GeneratedAt.ToUnixTimeMilliseconds());
        return FieldCodec.Join(SetId.ToByteArray(), MachineGuid.ToByteArray(), HostRsaPrivate, HostRsaPublic, TlsPrivate, TlsPublic, LtpaKey, generatedAt);
    }

    internal static FirstBootSet FromBytes(byte[] bytes)
    {
        var f = FieldCodec.Split(bytes, 8);
        if (f[7].Length != 8) throw new FormatException($"the generation time is {f[7].Length} bytes, not 8");
        return new FirstBootSet(FieldCodec.Guid(f[0]), FieldCodec.Guid(f[1]), f[2], f[3], f[4], f[5], f[6],
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(f[7])));
    }
}
