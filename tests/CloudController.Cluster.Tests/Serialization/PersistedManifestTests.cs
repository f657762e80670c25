using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using CloudController.Cluster.Serialization;
using CloudController.Domain;

namespace CloudController.Cluster.Tests.Serialization;

/// <summary>
/// Every manifest this version writes into journals and snapshots (and sends between nodes) is pinned in
/// <c>persisted-manifests.txt</c>. A manifest is the type's name, so renaming or moving a type changes it and every
/// journal written before could no longer be read: these tests fail on that, with the fix, instead of a recovery failing
/// in production.
/// </summary>
public class PersistedManifestTests(ClusterMessageSerializerTests.SerializationSystem system) : IClassFixture<ClusterMessageSerializerTests.SerializationSystem>
{
    private static readonly string[] Pinned = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Serialization", "persisted-manifests.txt"))
        .Where(line => line.Length > 0 && !line.StartsWith('#')).ToArray();

    private SerializerWithStringManifest Serializer => (SerializerWithStringManifest)system.Sys.Serialization.FindSerializerForType(typeof(IDomainEvent));

    /// <summary>The manifest of every type the serializer is bound to, as it writes them today.</summary>
    private IReadOnlyList<string> Current() =>
        new[] { typeof(IDomainEvent).Assembly, typeof(IClusterMessage).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && !t.IsInterface && !t.ContainsGenericParameters
                        && (typeof(IDomainEvent).IsAssignableFrom(t) || typeof(IDomainState).IsAssignableFrom(t) || typeof(IClusterMessage).IsAssignableFrom(t)))
            .Select(t => Serializer.Manifest(RuntimeHelpers.GetUninitializedObject(t)))
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void The_serializer_is_the_controllers_own() => Assert.IsType<ClusterMessageSerializer>(Serializer);

    [Fact]
    public void Every_pinned_manifest_is_still_read()
    {
        var unread = Pinned.Where(manifest => !Reads(manifest)).ToList();
        Assert.True(unread.Count == 0,
            $"journals written before hold these manifests, which no type has any more: {string.Join(", ", unread)}. " +
            "Renaming or moving a persisted type breaks every journal that holds it: keep the type's name and namespace " +
            "(give a changed shape a new type next to the old one) instead.");
    }

    [Fact]
    public void Every_manifest_written_is_pinned()
    {
        var unpinned = Current().Except(Pinned, StringComparer.Ordinal).ToList();
        Assert.True(unpinned.Count == 0,
            $"these types are persisted or sent between nodes but not pinned: {string.Join(", ", unpinned)}. " +
            "Add each line to tests/CloudController.Cluster.Tests/Serialization/persisted-manifests.txt, so that renaming it later fails here.");
    }

    /// <summary>Whether a manifest names a type: an empty object may not be a valid value of it, which is not the question.</summary>
    private bool Reads(string manifest)
    {
        try
        {
            Serializer.FromBinary("{}"u8.ToArray(), manifest);
            return true;
        }
        catch (SerializationException e) when (e.Message.StartsWith("Unknown manifest", StringComparison.Ordinal))
        {
            return false;
        }
        catch (Exception)
        {
            return true;
        }
    }
}
