using Akka.Actor.Setup;
using CloudController.FirstBoot;

namespace CloudController.Cluster.Serialization;

/// <summary>
/// The node's storage key, handed to the serializer when the actor system starts, so that secret provisioning-data
/// values are sealed in every event, snapshot and message it writes (<see cref="Hypervisor.SealedDataConverter"/>).
/// </summary>
public sealed class StorageSealing(AtRestCipher storage) : Setup
{
    public AtRestCipher Storage { get; } = storage;
}
