using System.Security.Cryptography;

namespace CloudController.FirstBoot;

/// <summary>
/// Seals secrets for storage under the node's 32-byte key: AES-256-GCM with what the secret is (a set's id, a key's
/// purpose) as associated data, so a sealed blob opens only as what it was sealed for and any change to it is
/// detected. Layout: nonce (12), tag (16), ciphertext. Thread-safe.
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
        try
        {
            return Seal(plain, set.SetId.ToByteArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <exception cref="CryptographicException">The blob was changed, or sealed for another set or under another key.</exception>
    public FirstBootSet Open(Guid setId, byte[] sealedBlob)
    {
        var plain = Open(sealedBlob, setId.ToByteArray());
        try
        {
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

    /// <summary>Seals <paramref name="plain"/> bound to <paramref name="purpose"/>, which opening must name again.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plain, ReadOnlySpan<byte> purpose)
    {
        var sealedBlob = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBlob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagSize))
            aes.Encrypt(nonce, plain, sealedBlob.AsSpan(NonceSize + TagSize), sealedBlob.AsSpan(NonceSize, TagSize), purpose);
        return sealedBlob;
    }

    /// <summary>The plain bytes; the caller clears them when done.</summary>
    /// <exception cref="CryptographicException">The blob was changed, or sealed for another purpose or under another key.</exception>
    public byte[] Open(ReadOnlySpan<byte> sealedBlob, ReadOnlySpan<byte> purpose)
    {
        if (sealedBlob.Length < NonceSize + TagSize) throw new CryptographicException("the sealed blob is truncated");
        var plain = new byte[sealedBlob.Length - NonceSize - TagSize];
        using (var aes = new AesGcm(_key, TagSize))
            aes.Decrypt(sealedBlob[..NonceSize], sealedBlob[(NonceSize + TagSize)..], sealedBlob.Slice(NonceSize, TagSize), plain, purpose);
        return plain;
    }
}
