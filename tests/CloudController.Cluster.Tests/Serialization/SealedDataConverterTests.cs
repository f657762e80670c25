using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Serialization;
using CloudController.Cluster.Serialization;
using CloudController.Domain;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;
using CloudController.FirstBoot;

namespace CloudController.Cluster.Tests.Serialization;

/// <summary>Secret provisioning-data values leave the serializer sealed, come back clear, and old clear payloads still read.</summary>
public sealed class SealedDataConverterTests : IDisposable
{
    private const string Marker = "MARKER-7f3a9c";
    private readonly ActorSystem _sys = ActorSystem.Create("sealing", ActorSystemSetup.Create(
        BootstrapSetup.Create().WithConfig(Cluster.Hosting.AkkaControllerExtensions.ReferenceConfig),
        new StorageSealing(new AtRestCipher(new byte[AtRestCipher.KeySize]))));

    public void Dispose() => _sys.Terminate().Wait(TimeSpan.FromSeconds(10));

    private static ImmutableSortedDictionary<string, string> Values => ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal)
        .Add("app.mode", "blue").Add("secret.api", Marker).Add("db.password", Marker).Add("tls.private-key", Marker)
        .Add("activation.token", Marker).Add("guest.token", Marker);

    [Fact]
    public void Secret_values_of_data_changes_and_of_the_VM_a_task_carries_are_sealed_in_the_bytes_and_clear_after_reading()
    {
        var serializer = (SerializerWithStringManifest)_sys.Serialization.FindSerializerForType(typeof(VmDataChanged));
        var vm = new VmRecord("vm-1", "db-01", "ubuntu", new Resources(2, 4096, 40), VmState.Running, "h1", "vm-1-disk", "task-1",
            DateTimeOffset.UnixEpoch) { Data = new ProvisioningData(3, Values) };
        object[] stored = [new VmDataChanged(3, Values, ["old"]), new TaskCreated("task-1", TaskKind.Provision, vm, "ubuntu-24.04", 10, DateTimeOffset.UnixEpoch)];
        foreach (var original in stored)
        {
            var bytes = serializer.ToBinary(original);
            Assert.DoesNotContain(Marker, Encoding.UTF8.GetString(bytes));
            Assert.Contains("blue", Encoding.UTF8.GetString(bytes));
            var read = serializer.FromBinary(bytes, serializer.Manifest(original));
            var values = read is VmDataChanged changed ? changed.Set : ((TaskCreated)read).Vm.Data!.Values;
            Assert.Equal(Values, values);
        }
    }

    [Fact]
    public void Events_written_before_sealing_with_secrets_in_clear_still_read()
    {
        var serializer = (SerializerWithStringManifest)_sys.Serialization.FindSerializerForType(typeof(VmDataChanged));
        var old = Encoding.UTF8.GetBytes("""{"generation":2,"set":{"app.mode":"blue","secret.api":"hunter2"},"removed":[]}""");
        var read = (VmDataChanged)serializer.FromBinary(old, serializer.Manifest(new VmDataChanged(0, Values, [])));
        Assert.Equal("hunter2", read.Set["secret.api"]);
        Assert.Equal("blue", read.Set["app.mode"]);
    }

    [Fact]
    public async Task A_sealed_value_moved_to_another_key_or_read_under_another_key_is_refused()
    {
        var serializer = (SerializerWithStringManifest)_sys.Serialization.FindSerializerForType(typeof(VmDataChanged));
        var original = new VmDataChanged(1, ImmutableSortedDictionary<string, string>.Empty.Add("secret.a", Marker), []);
        var moved = Encoding.UTF8.GetString(serializer.ToBinary(original)).Replace("sealed:secret.a", "sealed:secret.b");
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => serializer.FromBinary(Encoding.UTF8.GetBytes(moved), serializer.Manifest(original)));

        using var other = ActorSystem.Create("other-key", ActorSystemSetup.Create(
            BootstrapSetup.Create().WithConfig(Cluster.Hosting.AkkaControllerExtensions.ReferenceConfig),
            new StorageSealing(new AtRestCipher(Enumerable.Repeat((byte)1, AtRestCipher.KeySize).ToArray()))));
        var otherSerializer = (SerializerWithStringManifest)other.Serialization.FindSerializerForType(typeof(VmDataChanged));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => otherSerializer.FromBinary(serializer.ToBinary(original), serializer.Manifest(original)));
        await other.Terminate();
    }

    [Fact]
    public async Task Without_a_storage_key_a_secret_is_never_written_in_clear()
    {
        using var keyless = ActorSystem.Create("keyless", Cluster.Hosting.AkkaControllerExtensions.ReferenceConfig);
        var serializer = (SerializerWithStringManifest)keyless.Serialization.FindSerializerForType(typeof(VmDataChanged));
        var error = Assert.ThrowsAny<Exception>(() => serializer.ToBinary(new VmDataChanged(1, Values, [])));
        Assert.Contains("StorageSealing", error.ToString());
        await keyless.Terminate();
    }
}
