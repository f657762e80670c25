using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace CloudController.FirstBoot;

/// <summary>Why an agent refused a bundle.</summary>
public enum RefusalReason
{
    None,
    Malformed,
    BadSignature,
    WrongVm,
    WrongIssuer,
    NameMismatch,
    NotValidNow,
    DecryptionFailed,
    KeyMismatch,
}

/// <summary>The outcome of checking a bundle: the material to install, or why not.</summary>
public sealed record Verification(InstalledMaterial? Material, string? Failure, RefusalReason Reason = RefusalReason.None)
{
    public bool Verified => Material is not null;

    public override string ToString() => Material is { } material ? $"verified: {material}" : $"refused ({Reason}): {Failure}";
}

/// <summary>
/// What an agent does before it installs anything: the bundle's signature checked against the controller key it was
/// given beforehand (never one that came with the bundle), the certificate checked as issued by that controller for
/// this VM's name and address and valid now, and only then the private parts opened and checked against the public ones.
/// </summary>
public static class BundleVerifier
{
    public static Verification Open(
        byte[] bundleBytes, byte[] trustedControllerKey, X25519PrivateKeyParameters agentKey, string hostname, string ip, DateTimeOffset now)
    {
        if (TrustedKeyProblem(trustedControllerKey) is { } problem) return Fail(RefusalReason.BadSignature, problem);
        ActivationBundle bundle;
        byte[] content;
        try
        {
            bundle = ActivationBundle.Parse(bundleBytes, out content);
        }
        catch (FormatException e)
        {
            return Fail(RefusalReason.Malformed, $"the bundle is malformed: {e.Message}");
        }
        // Over the bytes as received, not as re-encoded: nothing is trusted before this.
        if (!ControllerAuthority.Verify(trustedControllerKey, content, bundle.Signature))
            return Fail(RefusalReason.BadSignature, "the bundle's signature does not verify with the controller key this VM trusts");
        if (bundle.Hostname != hostname || bundle.Ip != ip)
            return Fail(RefusalReason.WrongVm, $"the bundle is for {bundle.Hostname} ({bundle.Ip}), not this VM, {hostname} ({ip})");

        X509Certificate? certificate;
        try
        {
            certificate = new X509CertificateParser().ReadCertificate(bundle.TlsCertificate);
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.Certificates.CertificateException or IOException or ArgumentException)
        {
            certificate = null;
        }
        if (certificate is null) return Fail(RefusalReason.Malformed, "the TLS certificate does not parse");
        if (!IssuedBy(certificate, trustedControllerKey))
            return Fail(RefusalReason.WrongIssuer, $"the TLS certificate (issuer {certificate.IssuerDN}) was not issued by the controller this VM trusts");
        if (now.UtcDateTime < certificate.NotBefore)
            return Fail(RefusalReason.NotValidNow, $"the TLS certificate is not valid before {certificate.NotBefore:O} (now {now:O})");
        if (now.UtcDateTime > certificate.NotAfter)
            return Fail(RefusalReason.NotValidNow, $"the TLS certificate expired at {certificate.NotAfter:O} (now {now:O})");
        if (NameMismatch(certificate, hostname, ip) is { } mismatch) return Fail(RefusalReason.NameMismatch, mismatch);

        var agentPublic = agentKey.GeneratePublicKey().GetEncoded();
        var plainLength = bundle.SealedPrivate.Length - BundleSealer.TagSize;
        if (plainLength < 0 || bundle.Nonce.Length != BundleSealer.NonceSize)
            return Fail(RefusalReason.Malformed, "the sealed private material is truncated");
        var plain = new byte[plainLength];
        byte[][] f;
        try
        {
            var key = BundleSealer.SharedKey(agentKey, new X25519PublicKeyParameters(bundle.ControllerEphemeralPublicKey), bundle.ControllerEphemeralPublicKey, agentPublic);
            try
            {
                using var aes = new AesGcm(key, BundleSealer.TagSize);
                aes.Decrypt(bundle.Nonce, bundle.SealedPrivate.AsSpan(0, plainLength), bundle.SealedPrivate.AsSpan(plainLength), plain,
                    BundleSealer.AssociatedData(bundle.SetId, bundle.Hostname, bundle.Ip));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
            f = FieldCodec.Split(plain, 3);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return Fail(RefusalReason.DecryptionFailed, "the private material does not open with this agent's key");
        }
        catch (FormatException e)
        {
            return Fail(RefusalReason.Malformed, $"the private material is malformed: {e.Message}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }

        var material = new InstalledMaterial(bundle.MachineGuid, f[0], bundle.HostRsaPublic, f[1], bundle.TlsCertificate, f[2]);
        if (KeyMismatch(material, certificate) is { } keyMismatch) return Fail(RefusalReason.KeyMismatch, keyMismatch);
        return new Verification(material, null);
    }

    /// <summary>
    /// Why a controller key cannot be trusted (wrong length, not a point of the curve), or null: an agent asks before it
    /// spends its one-time token, so a key that could never verify a bundle does not cost the VM its activation.
    /// </summary>
    public static string? TrustedKeyProblem(byte[] key)
    {
        if (key.Length != Ed25519PublicKeyParameters.KeySize)
            return $"the trusted controller key is {key.Length} bytes; an Ed25519 key has {Ed25519PublicKeyParameters.KeySize}";
        try
        {
            _ = new Ed25519PublicKeyParameters(key);
            return null;
        }
        catch (ArgumentException)
        {
            return "the trusted controller key is not an Ed25519 public key (not a point of the curve)";
        }
    }

    private static bool IssuedBy(X509Certificate certificate, byte[] controllerKey)
    {
        try
        {
            return certificate.IsSignatureValid(new Ed25519PublicKeyParameters(controllerKey));
        }
        catch (Exception e) when (e is InvalidKeyException or SignatureException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The host name must be a DNS name of the certificate (DNS compares without case), the address an IP address of it.</summary>
    private static string? NameMismatch(X509Certificate certificate, string hostname, string ip)
    {
        var dnsNames = new List<string>();
        var addresses = new List<byte[]>();
        var extension = certificate.GetExtensionValue(X509Extensions.SubjectAlternativeName);
        if (extension is not null)
        {
            foreach (var name in GeneralNames.GetInstance(X509ExtensionUtilities.FromExtensionValue(extension)).GetNames())
            {
                if (name.TagNo == GeneralName.DnsName) dnsNames.Add(DerIA5String.GetInstance(name.Name).GetString());
                else if (name.TagNo == GeneralName.IPAddress) addresses.Add(Asn1OctetString.GetInstance(name.Name).GetOctets());
            }
        }
        if (!dnsNames.Contains(hostname, StringComparer.OrdinalIgnoreCase))
            return $"the TLS certificate names {string.Join(", ", dnsNames)}, not this VM's {hostname}";
        if (ip.Length > 0 && HostIdentity.AddressBytes(ip) is var address && (address is null || !addresses.Any(a => a.AsSpan().SequenceEqual(address))))
            return $"the TLS certificate holds {addresses.Count} IP address(es), none this VM's {ip}";
        return null;
    }

    /// <summary>The certificate must be for the TLS key handed out, and the host public key for the host private key.</summary>
    private static string? KeyMismatch(InstalledMaterial material, X509Certificate certificate)
    {
        try
        {
            var tls = PrivateKeyFactory.CreateKey(material.TlsPrivate);
            var certified = certificate.GetPublicKey();
            var tlsMatches = (tls, certified) switch
            {
                (ECPrivateKeyParameters d, ECPublicKeyParameters q) => PublicPoint(d).AsSpan().SequenceEqual(q.Q.Normalize().GetEncoded(false)),
                (Ed25519PrivateKeyParameters d, Ed25519PublicKeyParameters q) => d.GeneratePublicKey().GetEncoded().AsSpan().SequenceEqual(q.GetEncoded()),
                _ => false,
            };
            if (!tlsMatches) return "the TLS certificate is not for the TLS key in the bundle";
            // The ASN.1 structures, not BouncyCastle's key objects: those test the modulus, 14 ms a key here.
            var hostPrivate = RsaPrivateKeyStructure.GetInstance(PrivateKeyInfo.GetInstance(material.HostRsaPrivate).ParsePrivateKey());
            var hostPublic = RsaPublicKeyStructure.GetInstance(SubjectPublicKeyInfo.GetInstance(material.HostRsaPublic).ParsePublicKey());
            if (!hostPrivate.Modulus.Equals(hostPublic.Modulus) || !hostPrivate.PublicExponent.Equals(hostPublic.PublicExponent))
                return "the host RSA public key is not the one of the host private key";
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or SecurityUtilityException)
        {
            return $"a key in the bundle does not parse: {e.Message}";
        }
    }

    /// <summary>d·G on BouncyCastle's own curve implementation when it has one: about 0.4 ms instead of 1.</summary>
    private static byte[] PublicPoint(ECPrivateKeyParameters key)
    {
        var g = (key.PublicKeyParamSet is { } oid ? CustomNamedCurves.GetByOid(oid)?.G : null) ?? key.Parameters.G;
        return new FixedPointCombMultiplier().Multiply(g, key.D).Normalize().GetEncoded(false);
    }

    private static Verification Fail(RefusalReason reason, string why) => new(null, why, reason);
}
