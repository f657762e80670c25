using System.Security.Cryptography;
using CloudController.FirstBoot;

namespace CloudController.Hypervisor.Qemu;

/// <summary>
/// The key the QEMU driver seals the secret values of its VM records with: 32 random bytes in its root, made
/// owner-only at the driver's first start, whole or not at all (<see cref="OwnerOnlyFile.Create"/>), so two drivers
/// starting at once agree on one key and none ever reads half of one.
/// </summary>
internal static class QemuSealingKey
{
    public static AtRestCipher LoadOrCreate(string path)
    {
        if (!File.Exists(path)) Create(path);
        var key = File.ReadAllBytes(path);
        try
        {
            if (key.Length != AtRestCipher.KeySize)
                throw new InvalidOperationException($"{path} holds {key.Length} bytes, not the {AtRestCipher.KeySize} of the QEMU driver's sealing key: " +
                    "put back the file this root was started with (its VM records' secret values open only under it)");
            return new AtRestCipher(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void Create(string path)
    {
        try
        {
            OwnerOnlyFile.Create(path, RandomNumberGenerator.GetBytes(AtRestCipher.KeySize));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another driver over the same root made it first: its key is the one.
        }
    }
}
