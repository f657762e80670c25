using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CloudController.Domain.Vms;
using CloudController.FirstBoot;

namespace CloudController.Hypervisor;

/// <summary>
/// Writes key/value maps (provisioning data, its changes, a QEMU VM's record) with every secret value (<see cref="ProvisioningData.IsSecret"/>)
/// sealed under a storage key (the node's; the QEMU driver's own): the entry is written as <c>"sealed:KEY": base64</c>, bound to its key. A key
/// can never contain ':' (the data validator allows a-z, 0-9, '.', '-', '_'), so a sealed entry is never mistaken for
/// a value, and maps written before sealing existed (secrets in clear) still read as they were. One format for the
/// journal's serializer and the QEMU driver's records.
/// </summary>
/// <param name="storage">The key to seal under; null where none is set up, and then a secret is refused.</param>
/// <param name="missingKeyFix">How to give it one, said when a secret is refused for want of a key.</param>
public sealed class SealedDataConverter(AtRestCipher? storage, string missingKeyFix) : JsonConverter<ImmutableSortedDictionary<string, string>>
{
    public const string SealedPrefix = "sealed:";

    public override ImmutableSortedDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a key/value map must be a JSON object");
        var values = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            var value = reader.GetString() ?? throw new JsonException($"the value of '{name}' is null");
            if (name.StartsWith(SealedPrefix, StringComparison.Ordinal))
            {
                var key = name[SealedPrefix.Length..];
                values[key] = Encoding.UTF8.GetString(Cipher(key).Open(Convert.FromBase64String(value), Encoding.UTF8.GetBytes(key)));
            }
            else values[name] = value;
        }
        return values.ToImmutable();
    }

    public override void Write(Utf8JsonWriter writer, ImmutableSortedDictionary<string, string> values, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in values)
        {
            if (ProvisioningData.IsSecret(key))
                writer.WriteString(SealedPrefix + key, Convert.ToBase64String(Cipher(key).Seal(Encoding.UTF8.GetBytes(value), Encoding.UTF8.GetBytes(key))));
            else writer.WriteString(key, value);
        }
        writer.WriteEndObject();
    }

    private AtRestCipher Cipher(string key) => storage ?? throw new JsonException(
        $"the value of '{key}' is a secret and there is no storage key to seal it with: {missingKeyFix}");
}
