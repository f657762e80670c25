using CloudController.Cluster.Serialization;
using CloudController.Domain.Vms;

namespace CloudController.Cluster.Vms;

/// <summary>The messages of the <see cref="VmActor"/> entity, keyed by VM id.</summary>
public static class VmProtocol
{
    public interface IVmCommand : IEntityCommand
    {
        string VmId { get; }

        string IEntityCommand.EntityId => VmId;
    }

    /// <summary>Creates the record; repeating it for the same task succeeds.</summary>
    public sealed record CreateVm(VmRecord Record) : IVmCommand
    {
        public string VmId => Record.VmId;
    }

    /// <summary>The VM runs on the host with the hardware it was granted there.</summary>
    public sealed record PlaceVm(string VmId, string HostId, Domain.Resources? Hardware = null) : IVmCommand;

    public sealed record StartDeletion(string VmId, string TaskId) : IVmCommand;

    public sealed record StartMigration(string VmId, string TaskId) : IVmCommand;

    /// <summary>The VM switched over: it runs on <paramref name="HostId"/> now.</summary>
    public sealed record CompleteMigration(string VmId, string TaskId, string HostId) : IVmCommand;

    public sealed record CancelMigration(string VmId, string TaskId) : IVmCommand;

    public sealed record RemoveVm(string VmId, string Reason) : IVmCommand;

    /// <summary>Its host, reconciling, no longer has it.</summary>
    public sealed record MarkLost(string VmId, string HostId, string Reason, DateTimeOffset At) : IVmCommand;

    public sealed record CaptureAsImage(string VmId, string ImageName) : IVmCommand;

    public sealed record ReleaseFromLibrary(string VmId, string ImageName) : IVmCommand;

    public sealed record GetVm(string VmId) : IVmCommand;

    /// <summary>Sets and removes provisioning-data keys (validated by the caller) as one new generation.</summary>
    /// <param name="By">Who asked, kept in the VM's history; null when access control is off.</param>
    public sealed record ChangeData(string VmId, IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Removed, string? By = null) : IVmCommand
    {
        public override string ToString() => $"change data of {VmId}: set {string.Join(", ", Set.Keys)}; remove {string.Join(", ", Removed)}";
    }

    /// <summary>The guest applied a generation of its data; the keys it could not apply, with why.</summary>
    public sealed record AcknowledgeData(string VmId, long Generation, IReadOnlyDictionary<string, string> Failed) : IVmCommand;

    [WireName("Cluster.Vms.VmProtocol+Applied")]
    public sealed record VmApplied(string VmId) : IClusterMessage;

    [WireName("Cluster.Vms.VmProtocol+Refused")]
    public sealed record VmRefused(string VmId, string Reason) : IClusterMessage;

    public sealed record VmStatus(VmRecord Record) : IClusterMessage;

    public sealed record VmNotFound(string VmId) : IClusterMessage;
}
