using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CloudController.FirstBoot;

/// <summary>
/// Completes a set for one VM and seals it for its agent: the VM's TLS certificate issued for its host name and
/// address, the private parts encrypted to the agent's ephemeral X25519 key (ECDH, HKDF-SHA256, AES-256-GCM), and
/// the whole signed by the controller.
/// </summary>
public static class BundleSealer
{
    public static readonly TimeSpan CertificateValidity = TimeSpan.FromDays(365);

    public static ActivationBundle Seal(FirstBootSet set, ActivationRequest request, ControllerAuthority authority)
    {
        if (request.AgentPublicKey.Length != X25519PublicKeyParameters.KeySize)
            throw new ArgumentException($"the agent's public key is {request.AgentPublicKey.Length} bytes; an X25519 key has 32");
        var certificate = authority.IssueCertificate(request.Hostname, request.Ip, set.TlsPublic, CertificateValidity).GetEncoded();

        var generator = new X25519KeyPairGenerator();
        generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
        var ephemeral = generator.GenerateKeyPair();
        var ephemeralPublic = ((X25519PublicKeyParameters)ephemeral.Public).GetEncoded();
        var key = SharedKey((X25519PrivateKeyParameters)ephemeral.Private, new X25519PublicKeyParameters(request.AgentPublicKey), ephemeralPublic, request.AgentPublicKey);

        var plain = FieldCodec.Join(set.HostRsaPrivate, set.TlsPrivate, set.LtpaKey);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var sealedPrivate = new byte[plain.Length + 16];
        var associated = FieldCodec.Join(set.SetId.ToByteArray(), FieldCodec.Utf8(request.Hostname), FieldCodec.Utf8(request.Ip));
        using (var aes = new AesGcm(key, 16))
            aes.Encrypt(nonce, plain, sealedPrivate.AsSpan(0, plain.Length), sealedPrivate.AsSpan(plain.Length), associated);
        CryptographicOperations.ZeroMemory(plain);
        CryptographicOperations.ZeroMemory(key);

        var unsigned = new ActivationBundle(set.SetId, request.Hostname, request.Ip, set.MachineGuid, set.HostRsaPublic, certificate,
            ephemeralPublic, nonce, sealedPrivate, []);
        return unsigned with { Signature = authority.Sign(unsigned.Content()) };
    }

    /// <summary>Both ends derive the same key from the ECDH secret, bound to both public keys.</summary>
    internal static byte[] SharedKey(X25519PrivateKeyParameters own, X25519PublicKeyParameters peer, byte[] controllerPublic, byte[] agentPublic)
    {
        var agreement = new X25519Agreement();
        agreement.Init(own);
        var secret = new byte[agreement.AgreementSize];
        agreement.CalculateAgreement(peer, secret, 0);
        if (secret.All(b => b == 0)) throw new CryptographicException("the peer's X25519 key is a low-order point");
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, FieldCodec.Join(controllerPublic, agentPublic),
            FieldCodec.Utf8("cloudcontroller-activation-v1 seal"));
        CryptographicOperations.ZeroMemory(secret);
        return key;
    }
}
