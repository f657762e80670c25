using CloudController.FirstBoot;

namespace CloudController.Cluster.KeyPool;

/// <summary>
/// What the node holds to run the key pool: the key its sets are sealed under at rest, and the controller authority
/// that signs hand-outs and issues VM certificates. Every node of a cluster must hold the same ones.
/// </summary>
public sealed class KeyPoolSecrets(AtRestCipher storage, ControllerAuthority authority)
{
    public AtRestCipher Storage { get; } = storage;

    public ControllerAuthority Authority { get; } = authority;

    /// <summary>
    /// Loads the secrets from a directory, creating them there (readable by the owner only) the first time: the
    /// embedded node keeps them in its data directory; a cluster mounts the same ones on every node from a secret.
    /// </summary>
    public static KeyPoolSecrets LoadOrCreate(string directory, string authorityName = "CloudController")
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
        return new KeyPoolSecrets(
            new AtRestCipher(File.ReadAllBytes(storageKeyFile)),
            ControllerAuthority.Import(File.ReadAllBytes(authorityKeyFile), File.ReadAllBytes(authorityCertFile)));
    }

    private static void WriteSecret(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        stream.Write(bytes);
    }
}
