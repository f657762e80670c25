using System.Security.Cryptography;

namespace CloudController.FirstBoot;

/// <summary>
/// Seals a set's private material for storage under the node's 32-byte key: AES-256-GCM with the set id as associated
/// data, so a sealed blob opens only as the set it was sealed for and any change to it is detected.
/// </summary>
public sealed class AtRestCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public AtRestCipher(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException($"the key-pool storage key is {key.Length} bytes; it must be 32", nameof(key));
        _key = key.ToArray();
    }

    public byte[] Seal(FirstBootSet set)
    {
        var plain = FieldCodec.Join(set.SetId.ToByteArray(), set.MachineGuid.ToByteArray(), set.HostRsaPrivate, set.HostRsaPublic,
            set.TlsPrivate, set.TlsPublic, set.LtpaKey, BitConverter.GetBytes(set.GeneratedAt.ToUnixTimeMilliseconds()));
        var sealedBlob = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBlob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBlob.AsSpan(NonceSize + TagSize), sealedBlob.AsSpan(NonceSize, TagSize), set.SetId.ToByteArray());
        CryptographicOperations.ZeroMemory(plain);
        return sealedBlob;
    }

    /// <exception cref="CryptographicException">The blob was changed, or sealed for another set or under another key.</exception>
    public FirstBootSet Open(Guid setId, byte[] sealedBlob)
    {
        if (sealedBlob.Length < NonceSize + TagSize) throw new CryptographicException("the sealed set is truncated");
        var plain = new byte[sealedBlob.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBlob.AsSpan(0, NonceSize), sealedBlob.AsSpan(NonceSize + TagSize), sealedBlob.AsSpan(NonceSize, TagSize), plain, setId.ToByteArray());
        var f = FieldCodec.Split(plain, 8);
        return new FirstBootSet(new Guid(f[0]), new Guid(f[1]), f[2], f[3], f[4], f[5], f[6],
            DateTimeOffset.FromUnixTimeMilliseconds(BitConverter.ToInt64(f[7])));
    }
}
