using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;
using CloudController.Domain;
using CloudController.Hypervisor;

namespace CloudController.Cluster.Serialization;

/// <summary>
/// Serializes persisted events and cross-node messages as compact UTF-8 JSON with a short, stable manifest: the type's
/// full name relative to the CloudController namespace, or the <see cref="WireNameAttribute"/> a renamed type keeps.
/// Renaming or moving a type without one breaks journals written before and nodes of the version before (the test
/// project pins every manifest written, and fails on such a rename). Chosen over Akka's default Newtonsoft serializer for speed and because it
/// never embeds .NET type names in the payload.
/// </summary>
public sealed class ClusterMessageSerializer : SerializerWithStringManifest
{
    private const string NamespacePrefix = "CloudController.";

    private static readonly FrozenDictionary<string, Type> TypesByManifest = DiscoverTypes();

    private static readonly ConcurrentDictionary<Type, string> ManifestsByType = new();

    private readonly JsonSerializerOptions _options;

    /// <summary>Secret provisioning-data values are sealed under the storage key of the system's <see cref="StorageSealing"/>.</summary>
    public ClusterMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        var sealing = system.Settings.Setup.Get<StorageSealing>();
        _options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Converters = { new JsonStringEnumConverter(), new SealedDataConverter(sealing.HasValue ? sealing.Value.Storage : null, $"start the actor system with a {nameof(StorageSealing)} setup") },
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
    }

    /// <summary>Outside Akka's reserved range (0-100) and clear of the ids of common plugins.</summary>
    public override int Identifier => 7401;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!TypesByManifest.TryGetValue(manifest, out var type))
        {
            throw new SerializationException($"Unknown manifest '{manifest}': no event or message type has that name.");
        }
        return JsonSerializer.Deserialize(bytes, type, _options)
               ?? throw new SerializationException($"Payload of '{manifest}' deserialized to null.");
    }

    public override string Manifest(object o) => ManifestsByType.GetOrAdd(o.GetType(), ManifestOf);

    private static string ManifestOf(Type type)
    {
        if (type.GetCustomAttributes(typeof(WireNameAttribute), inherit: false) is [WireNameAttribute pinned]) return pinned.Manifest;
        var name = type.FullName ?? type.Name;
        return name.StartsWith(NamespacePrefix, StringComparison.Ordinal) ? name[NamespacePrefix.Length..] : name;
    }

    private static FrozenDictionary<string, Type> DiscoverTypes() =>
        new[] { typeof(IDomainEvent).Assembly, typeof(IClusterMessage).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && (typeof(IDomainEvent).IsAssignableFrom(t) || typeof(IDomainState).IsAssignableFrom(t) || typeof(IClusterMessage).IsAssignableFrom(t)))
            .ToFrozenDictionary(ManifestOf);
}
