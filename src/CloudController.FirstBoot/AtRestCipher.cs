using System.Security.Cryptography;

namespace CloudController.FirstBoot;

/// <summary>
/// Seals a set for storage under the node's 32-byte key: AES-256-GCM with the set id as associated data, so a sealed
/// blob opens only as the set it was sealed for and any change to it is detected. Layout: nonce (12), tag (16),
/// ciphertext. Thread-safe.
/// </summary>
public sealed class AtRestCipher
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public AtRestCipher(byte[] key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"the key-pool storage key is {key.Length} bytes; it must be {KeySize}", nameof(key));
        _key = key.ToArray();
    }

    public byte[] Seal(FirstBootSet set)
    {
        var plain = set.ToBytes();
        var sealedBlob = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBlob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagSize))
            aes.Encrypt(nonce, plain, sealedBlob.AsSpan(NonceSize + TagSize), sealedBlob.AsSpan(NonceSize, TagSize), set.SetId.ToByteArray());
        CryptographicOperations.ZeroMemory(plain);
        return sealedBlob;
    }

    /// <exception cref="CryptographicException">The blob was changed, or sealed for another set or under another key.</exception>
    public FirstBootSet Open(Guid setId, byte[] sealedBlob)
    {
        if (sealedBlob.Length < NonceSize + TagSize) throw new CryptographicException("the sealed set is truncated");
        var plain = new byte[sealedBlob.Length - NonceSize - TagSize];
        try
        {
            using (var aes = new AesGcm(_key, TagSize))
                aes.Decrypt(sealedBlob.AsSpan(0, NonceSize), sealedBlob.AsSpan(NonceSize + TagSize), sealedBlob.AsSpan(NonceSize, TagSize), plain, setId.ToByteArray());
            var set = FirstBootSet.FromBytes(plain);
            // The associated data already binds the id; this catches a set sealed under the wrong id by a bug.
            if (set.SetId != setId) throw new CryptographicException($"the blob holds set {set.SetId}, not {setId}");
            return set;
        }
        catch (FormatException e)
        {
            throw new CryptographicException($"the sealed set {setId} opened but is malformed: {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}
