using System.Collections.Immutable;
using CloudController.Cluster.Serialization;
using CloudController.Domain;
using CloudController.Domain.Fleet;

namespace CloudController.Cluster.Hosts;

/// <summary>The messages of the <see cref="HostActor"/> entity.</summary>
public static class HostProtocol
{
    public interface IHostCommand : IEntityCommand
    {
        string HostId { get; }

        string IEntityCommand.EntityId => HostId;
    }

    /// <summary>Registers the host, or updates its inventory when it was rebuilt. Idempotent.</summary>
    public sealed record RegisterHost(HostInventory Inventory) : IHostCommand
    {
        public string HostId => Inventory.HostId;
    }

    public sealed record Reserve(
        string HostId, string TaskId, Resources Amount, DateTimeOffset LeaseExpiresAt, string? Group = null, bool AntiAffinity = false) : IHostCommand;

    public sealed record ReleaseReservation(string HostId, string TaskId, string Reason) : IHostCommand;

    public sealed record CommitReservation(string HostId, string TaskId, string VmId) : IHostCommand;

    public sealed record ReleaseAllocation(string HostId, string VmId) : IHostCommand;

    /// <summary>Allocates <paramref name="Each"/> to every VM of the batch, all or none; repeated, a no-op.</summary>
    public sealed record AllocateMany(string HostId, string Group, ImmutableArray<string> VmIds, Resources Each) : IHostCommand;

    public sealed record ReleaseMany(string HostId, ImmutableArray<string> VmIds) : IHostCommand;

    /// <param name="By">Who asked, kept in the host's state history; null when access control is off.</param>
    public sealed record SetHostState(string HostId, HostState State, string Reason, string? By = null) : IHostCommand;

    public sealed record GetHost(string HostId) : IHostCommand;

    /// <summary>Asks for the host's recent changes of state, answered with <see cref="HostHistory"/>.</summary>
    public sealed record GetHostHistory(string HostId) : IHostCommand;

    /// <summary>
    /// Published by a fleet view that starts to every host (topic <see cref="Fleet.FleetView.RefreshTopic"/>): each
    /// sends its status at once, so the new view is whole without waiting for the refresh interval.
    /// </summary>
    public sealed record SendStatus(string RequestedBy) : IClusterMessage;

    /// <summary>The last changes of the host's state, oldest first (see <see cref="HostLedger.StateHistoryKept"/>).</summary>
    public sealed record HostHistory(string HostId, ImmutableList<HostStateChange> Changes) : IClusterMessage;

    /// <summary>The command took effect now or had already.</summary>
    [WireName("Cluster.Hosts.HostProtocol+Applied")]
    public sealed record HostApplied(string HostId) : IClusterMessage;

    [WireName("Cluster.Hosts.HostProtocol+Refused")]
    public sealed record HostRefused(string HostId, string Reason) : IClusterMessage;

    /// <summary>The host as it is now: the reply to <see cref="GetHost"/>, and what the host publishes to the fleet view.</summary>
    public sealed record HostStatus(HostSnapshot Snapshot) : IClusterMessage;

    public sealed record HostNotFound(string HostId) : IClusterMessage;
}
