namespace CloudController.FirstBoot;

/// <summary>What an activation agent sends: its one-time token, the name and address it has, and a fresh X25519 key.</summary>
public sealed record ActivationRequest(string Token, string Hostname, string Ip, byte[] AgentPublicKey)
{
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
    /// <summary>The signed bytes: every field but the signature, length-prefixed.</summary>
    public byte[] Content() => FieldCodec.Join(
        FieldCodec.Utf8("cloudcontroller-activation-v1"), SetId.ToByteArray(), FieldCodec.Utf8(Hostname), FieldCodec.Utf8(Ip),
        MachineGuid.ToByteArray(), HostRsaPublic, TlsCertificate, ControllerEphemeralPublicKey, Nonce, SealedPrivate);

    /// <summary>The bundle as bytes on the wire.</summary>
    public byte[] ToBytes() => FieldCodec.Join(Content(), Signature);

    public static ActivationBundle FromBytes(byte[] bytes)
    {
        var outer = FieldCodec.Split(bytes, 2);
        var f = FieldCodec.Split(outer[0], 10);
        if (FieldCodec.Text(f[0]) != "cloudcontroller-activation-v1") throw new FormatException("not an activation bundle of this version");
        return new ActivationBundle(new Guid(f[1]), FieldCodec.Text(f[2]), FieldCodec.Text(f[3]), new Guid(f[4]), f[5], f[6], f[7], f[8], f[9], outer[1]);
    }

    public override string ToString() => $"activation bundle of set {SetId} for {Hostname} ({Ip})";
}

/// <summary>The private material an agent installs, once it verified the bundle.</summary>
public sealed record InstalledMaterial(Guid MachineGuid, byte[] HostRsaPrivate, byte[] HostRsaPublic, byte[] TlsPrivate, byte[] TlsCertificate, byte[] LtpaKey)
{
    public override string ToString() => $"first-boot material of machine {MachineGuid}";
}
