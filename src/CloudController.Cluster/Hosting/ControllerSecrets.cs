using CloudController.FirstBoot;
using CloudController.Hypervisor.Agents;

namespace CloudController.Cluster.Hosting;

/// <summary>
/// What a node holds in secret: the key first-boot sets are sealed under at rest, the controller authority that signs
/// hand-outs and issues VM certificates, the host CA that certifies host agents and nodes, and the key guests'
/// channel tokens are derived from. Every node of a cluster must hold the same ones.
/// </summary>
public sealed class ControllerSecrets(AtRestCipher storage, ControllerAuthority authority, HostAuthority hostAuthority, byte[] guestChannelKey)
{
    private static readonly byte[] HostAuthoritySeal = "cloudcontroller host CA"u8.ToArray();

    public AtRestCipher Storage { get; } = storage;

    public ControllerAuthority Authority { get; } = authority;

    /// <summary>The host CA (ECDSA P-256): its key is on disk only sealed under the storage key.</summary>
    public HostAuthority HostAuthority { get; } = hostAuthority;

    /// <summary>
    /// The token a VM's guest agent presents on its channel to the controller: derived from the VM's id, so it is
    /// never stored, and no VM can compute another's.
    /// </summary>
    public string GuestTokenFor(string vmId) =>
        Convert.ToHexString(System.Security.Cryptography.HMACSHA256.HashData(guestChannelKey, System.Text.Encoding.UTF8.GetBytes(vmId)));

    public bool IsGuestToken(string vmId, string token) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(GuestTokenFor(vmId)), System.Text.Encoding.UTF8.GetBytes(token ?? ""));

    /// <summary>
    /// Loads the secrets from a directory, creating them there (readable by the owner only) the first time: the
    /// embedded node keeps them in its data directory; a cluster mounts the same ones on every node from a secret.
    /// </summary>
    public static ControllerSecrets LoadOrCreate(string directory, string authorityName = "CloudController")
    {
        Directory.CreateDirectory(directory);
        var storageKeyFile = Path.Combine(directory, "keypool-storage.key");
        var authorityKeyFile = Path.Combine(directory, "controller-authority.key");
        var authorityCertFile = Path.Combine(directory, "controller-authority.crt");
        if (!File.Exists(storageKeyFile)) WriteSecret(storageKeyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        if (!File.Exists(authorityKeyFile) || !File.Exists(authorityCertFile))
        {
            var created = ControllerAuthority.Create(authorityName).Export();
            WriteSecret(authorityKeyFile, created.PrivateKey);
            File.WriteAllBytes(authorityCertFile, created.Certificate);
        }
        var storageKey = File.ReadAllBytes(storageKeyFile);
        var storage = new AtRestCipher(storageKey);
        return new ControllerSecrets(
            storage,
            ControllerAuthority.Import(File.ReadAllBytes(authorityKeyFile), File.ReadAllBytes(authorityCertFile)),
            LoadOrCreateHostAuthority(directory, storage),
            System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, storageKey, 32,
                info: System.Text.Encoding.UTF8.GetBytes("cloudcontroller guest channel")));
    }

    private static HostAuthority LoadOrCreateHostAuthority(string directory, AtRestCipher storage)
    {
        var keyFile = Path.Combine(directory, "host-ca.key.sealed");
        var certificateFile = Path.Combine(directory, "host-ca.crt");
        if (!File.Exists(keyFile) || !File.Exists(certificateFile))
        {
            using var created = HostAuthority.Create();
            var (privateKey, certificate) = created.Export();
            WriteSecret(keyFile, storage.Seal(privateKey, HostAuthoritySeal));
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(privateKey);
            File.WriteAllBytes(certificateFile, certificate);
        }
        var key = storage.Open(File.ReadAllBytes(keyFile), HostAuthoritySeal);
        try
        {
            return HostAuthority.Import(key, File.ReadAllBytes(certificateFile));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Creates a file only its owner can read; never overwrites one.</summary>
    internal static void WriteSecret(string path, byte[] bytes) => OwnerOnlyFile.Create(path, bytes);
}
