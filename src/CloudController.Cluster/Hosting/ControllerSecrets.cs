using CloudController.FirstBoot;

namespace CloudController.Cluster.Hosting;

/// <summary>
/// What a node holds in secret: the key first-boot sets are sealed under at rest, the controller authority that signs
/// hand-outs and issues VM certificates, and the key guests' channel tokens are derived from. Every node of a cluster
/// must hold the same ones.
/// </summary>
public sealed class ControllerSecrets(AtRestCipher storage, ControllerAuthority authority, byte[] guestChannelKey)
{
    public AtRestCipher Storage { get; } = storage;

    public ControllerAuthority Authority { get; } = authority;

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
        return new ControllerSecrets(
            new AtRestCipher(storageKey),
            ControllerAuthority.Import(File.ReadAllBytes(authorityKeyFile), File.ReadAllBytes(authorityCertFile)),
            System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, storageKey, 32,
                info: System.Text.Encoding.UTF8.GetBytes("cloudcontroller guest channel")));
    }

    /// <summary>Creates a file only its owner can read; never overwrites one.</summary>
    internal static void WriteSecret(string path, byte[] bytes) => OwnerOnlyFile.Create(path, bytes);
}
