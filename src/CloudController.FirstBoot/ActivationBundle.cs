namespace CloudController.FirstBoot;

/// <summary>What an activation agent sends: its one-time token, the name and address it has, and a fresh X25519 key.</summary>
public sealed record ActivationRequest(string Token, string Hostname, string Ip, byte[] AgentPublicKey)
{
    /// <summary>Never the token: it is a bearer secret until used.</summary>
    public override string ToString() => $"activation of {Hostname} ({Ip})";
}

/// <summary>
/// A completed set as handed out: public parts in clear, the private parts sealed to the agent's ephemeral key, and
/// the controller's signature over all of it (<see cref="Content"/>).
/// </summary>
public sealed record ActivationBundle(
    Guid SetId,
    string Hostname,
    string Ip,
    Guid MachineGuid,
    byte[] HostRsaPublic,
    byte[] TlsCertificate,
    byte[] ControllerEphemeralPublicKey,
    byte[] Nonce,
    byte[] SealedPrivate,
    byte[] Signature)
{
    private const string Version = "cloudcontroller-activation-v1";
    private const int ContentFields = 10;

    /// <summary>
    /// The signed bytes: a version tag and every field but the signature, each length-prefixed in a fixed order, so the
    /// same bundle always encodes to the same bytes.
    /// </summary>
    public byte[] Content() => FieldCodec.Join(
        FieldCodec.Utf8(Version), SetId.ToByteArray(), FieldCodec.Utf8(Hostname), FieldCodec.Utf8(Ip),
        MachineGuid.ToByteArray(), HostRsaPublic, TlsCertificate, ControllerEphemeralPublicKey, Nonce, SealedPrivate);

    /// <summary>The bundle as bytes on the wire: the content and the signature, length-prefixed.</summary>
    public byte[] ToBytes() => FieldCodec.Join(Content(), Signature);

    /// <exception cref="FormatException">Not a bundle of this version.</exception>
    public static ActivationBundle FromBytes(byte[] bytes) => Parse(bytes, out _);

    /// <summary>Reads a bundle and hands back the exact bytes its signature is over.</summary>
    internal static ActivationBundle Parse(byte[] bytes, out byte[] content)
    {
        var outer = FieldCodec.Split(bytes, 2);
        content = outer[0];
        var f = FieldCodec.Split(content, ContentFields);
        if (FieldCodec.Text(f[0]) != Version) throw new FormatException("not an activation bundle of this version");
        return new ActivationBundle(FieldCodec.Guid(f[1]), FieldCodec.Text(f[2]), FieldCodec.Text(f[3]), FieldCodec.Guid(f[4]),
            f[5], f[6], f[7], f[8], f[9], outer[1]);
    }

    /// <summary>Only public facts: the sealed part is ciphertext, but it has no business in logs either.</summary>
    public override string ToString() => $"activation bundle of set {SetId} for {Hostname} ({Ip})";
}

/// <summary>The private material an agent installs, once it verified the bundle.</summary>
public sealed record InstalledMaterial(Guid MachineGuid, byte[] HostRsaPrivate, byte[] HostRsaPublic, byte[] TlsPrivate, byte[] TlsCertificate, byte[] LtpaKey)
{
    public override string ToString() => $"first-boot material of machine {MachineGuid}";
}
