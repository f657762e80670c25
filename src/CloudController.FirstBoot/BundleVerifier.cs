using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace CloudController.FirstBoot;

/// <summary>The outcome of checking a bundle: the material to install, or why not.</summary>
public sealed record Verification(InstalledMaterial? Material, string? Failure)
{
    public bool Verified => Material is not null;
}

/// <summary>
/// What an agent does before it installs anything: the bundle's signature checked against the controller key it was
/// given beforehand (never one that came with the bundle), the certificate checked as issued by that controller for
/// this VM's name and address and valid now, and only then the private parts opened.
/// </summary>
public static class BundleVerifier
{
    public static Verification Open(
        byte[] bundleBytes, byte[] trustedControllerKey, X25519PrivateKeyParameters agentKey, string hostname, string ip, DateTimeOffset now)
    {
        ActivationBundle bundle;
        try
        {
            bundle = ActivationBundle.FromBytes(bundleBytes);
        }
        catch (FormatException e)
        {
            return Fail($"the bundle is malformed: {e.Message}");
        }
        if (!ControllerAuthority.Verify(trustedControllerKey, bundle.Content(), bundle.Signature))
            return Fail("the bundle's signature does not verify with the controller key this VM trusts");
        if (bundle.Hostname != hostname || bundle.Ip != ip)
            return Fail($"the bundle is for {bundle.Hostname} ({bundle.Ip}), not this VM, {hostname} ({ip})");

        X509Certificate certificate;
        try
        {
            certificate = new X509CertificateParser().ReadCertificate(bundle.TlsCertificate);
            certificate.Verify(new Ed25519PublicKeyParameters(trustedControllerKey));
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException
                                       or Org.BouncyCastle.Security.SignatureException or ArgumentException or InvalidOperationException)
        {
            return Fail($"the TLS certificate was not issued by the trusted controller: {e.Message}");
        }
        if (!certificate.IsValid(now.UtcDateTime)) return Fail($"the TLS certificate is not valid at {now:O}");
        var names = certificate.GetSubjectAlternativeNames()?.Select(n => n[1]?.ToString()).ToHashSet() ?? [];
        if (!names.Contains(hostname) || (ip.Length > 0 && !names.Contains(ip)))
            return Fail($"the TLS certificate names {string.Join(", ", names)}, not {hostname} and {ip}");

        var agentPublic = agentKey.GeneratePublicKey().GetEncoded();
        var key = BundleSealer.SharedKey(agentKey, new X25519PublicKeyParameters(bundle.ControllerEphemeralPublicKey), bundle.ControllerEphemeralPublicKey, agentPublic);
        var plainLength = bundle.SealedPrivate.Length - 16;
        if (plainLength < 0) return Fail("the sealed private material is truncated");
        var plain = new byte[plainLength];
        try
        {
            using var aes = new AesGcm(key, 16);
            var associated = FieldCodec.Join(bundle.SetId.ToByteArray(), FieldCodec.Utf8(bundle.Hostname), FieldCodec.Utf8(bundle.Ip));
            aes.Decrypt(bundle.Nonce, bundle.SealedPrivate.AsSpan(0, plainLength), bundle.SealedPrivate.AsSpan(plainLength), plain, associated);
        }
        catch (CryptographicException)
        {
            return Fail("the private material does not open with this agent's key");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
        var f = FieldCodec.Split(plain, 3);
        return new Verification(new InstalledMaterial(bundle.MachineGuid, f[0], bundle.HostRsaPublic, f[1], bundle.TlsCertificate, f[2]), null);
    }

    private static Verification Fail(string why) => new(null, why);
}
