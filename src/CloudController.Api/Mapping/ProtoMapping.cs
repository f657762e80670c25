using System.Collections.Immutable;
using CloudController.Domain.Catalog;
using CloudController.Domain.Fleet;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;
using Google.Protobuf.WellKnownTypes;
using V1 = CloudController.Api.V1;

namespace CloudController.Api.Mapping;

/// <summary>Converts between domain values and their wire messages.</summary>
public static class ProtoMapping
{
    public static V1.Resources ToProto(this Domain.Resources r) =>
        new() { CpuCores = r.CpuCores, MemoryMib = r.MemoryMib, DiskGib = r.DiskGib };

    public static Domain.Resources ToDomain(this V1.Resources? r) =>
        r is null ? Domain.Resources.Zero : new Domain.Resources(r.CpuCores, r.MemoryMib, r.DiskGib);

    public static V1.ModelVm ToProto(this ModelVm m)
    {
        var proto = new V1.ModelVm
        {
            Name = m.Name,
            Os = m.Os,
            Hardware = m.Hardware.ToProto(),
            Minimum = m.Minimum.ToProto(),
            DiskImage = m.DiskImage,
            RegisteredAt = Timestamp.FromDateTimeOffset(m.RegisteredAt),
            Identity = m.Identity?.ToProto(),
            ServicePack = m.ServicePack,
            ImageUrl = m.ImageSource?.Url ?? "",
            ImageDigest = m.ImageSource?.Digest.ToString() ?? "",
        };
        proto.Apps.AddRange(m.Apps);
        proto.Users.AddRange(m.Users);
        return proto;
    }

    public static V1.Host ToProto(this HostSnapshot h)
    {
        var proto = new V1.Host
        {
            Id = h.HostId,
            State = h.State.ToString(),
            HardwareClass = h.HardwareClass,
            Capacity = h.Capacity.ToProto(),
            Reserved = h.Reserved.ToProto(),
            Allocated = h.Allocated.ToProto(),
            Free = h.Free.ToProto(),
            VmCount = h.VmCount,
            ReservationCount = h.ReservationCount,
            CpuLoad = h.CpuLoad,
            ObservedAt = Timestamp.FromDateTimeOffset(h.ObservedAt),
            CpuAllocationRatio = h.CpuAllocationRatio,
            UnknownVms = { h.Drift?.UnknownVms ?? [] },
            LostVms = { h.Drift?.LostVms ?? [] },
        };
        proto.CpuFlags.AddRange(h.CpuFlags);
        proto.Groups.AddRange((h.Groups ?? []).Order(StringComparer.Ordinal));
        proto.CachedImages.AddRange((h.CachedImages ?? []).Order(StringComparer.Ordinal));
        return proto;
    }

    public static V1.HostStateChange ToProto(this HostStateChange c)
    {
        var proto = new V1.HostStateChange { State = c.State, Reason = c.Reason, By = c.By ?? "" };
        if (c.At is { } at) proto.At = Timestamp.FromDateTimeOffset(at);
        return proto;
    }

    public static V1.VmEvent ToProto(this VmHistoryEntry e) => new()
    {
        At = Timestamp.FromDateTimeOffset(e.At), Event = e.Event, Detail = e.Detail, By = e.By ?? "", TaskId = e.TaskId ?? "",
    };

    public static V1.Vm ToProto(this VmRecord v) => new()
    {
        Id = v.VmId,
        Hostname = v.Hostname,
        Model = v.Model,
        State = v.State.ToString(),
        HostId = v.HostId ?? "",
        Hardware = v.Hardware.ToProto(),
        DiskLayer = v.DiskLayerId,
        TaskId = v.TaskId,
        CreatedAt = Timestamp.FromDateTimeOffset(v.CreatedAt),
        Identity = v.Identity?.ToProto(),
        Group = v.Group ?? "",
        Owner = v.Owner ?? "",
        LostReason = v.Loss?.Reason ?? "",
        LostAt = v.Loss is { } loss ? Timestamp.FromDateTimeOffset(loss.At) : null,
    };

    public static V1.Os ToProto(this OsDefinition o) => new()
    {
        Name = o.Name, Family = o.Family, ServicePack = o.ServicePack, Minimum = o.Minimum.ToProto(), Headroom = o.Headroom,
    };

    public static V1.App ToProto(this AppDefinition a)
    {
        var app = new V1.App
        {
            Name = a.Name,
            Minimum = a.Minimum.ToProto(),
            Headroom = a.Headroom,
            AnswerFileFormat = a.AnswerFile?.Format.ToString().ToLowerInvariant() ?? "",
            AnswerFile = a.AnswerFile?.Text ?? "",
        };
        app.RunsOn.AddRange(a.RunsOn);
        return app;
    }

    public static V1.InstantImage ToProto(this InstantImage i) => new()
    {
        Name = i.Name,
        Model = i.Model,
        HardwareClass = i.HardwareClass,
        SourceHostId = i.SourceHostId,
        SourceVmId = i.SourceVmId,
        Hardware = i.Hardware.ToProto(),
        CreatedAt = Timestamp.FromDateTimeOffset(i.CreatedAt),
    };

    public static V1.Identity ToProto(this VmIdentity i)
    {
        var proto = new V1.Identity { MachineId = i.MachineId, Hostname = i.Hostname };
        proto.Macs.AddRange(i.Macs);
        return proto;
    }

    public static VmIdentity? ToDomain(this V1.Identity? i) =>
        i is null ? null : new VmIdentity(i.MachineId.Trim(), i.Hostname.Trim(), i.Macs.Select(m => m.Trim().ToLowerInvariant()).ToImmutableArray());

    public static V1.TaskStatus ToProto(this ProvisioningTask t)
    {
        var proto = TaskSummary.Of(t).ToProto();
        proto.History.AddRange(t.History.Select(h => new V1.TaskEvent
        {
            At = Timestamp.FromDateTimeOffset(h.At),
            Stage = h.Stage,
            Message = h.Message,
        }));
        return proto;
    }

    /// <summary>A task as a listing shows it: its status without the history.</summary>
    public static V1.TaskStatus ToProto(this TaskSummary t) => new()
    {
        Id = t.TaskId,
        Kind = t.Kind.ToString(),
        State = t.State switch
        {
            TaskState.Running => V1.TaskState.Running,
            TaskState.RollingBack => V1.TaskState.RollingBack,
            TaskState.Succeeded => V1.TaskState.Succeeded,
            TaskState.Failed => V1.TaskState.Failed,
            TaskState.Aborted => V1.TaskState.Aborted,
            _ => V1.TaskState.Unspecified,
        },
        Stage = t.Stage,
        Percent = t.Percent,
        VmId = t.VmId,
        HostId = t.HostId ?? "",
        Model = t.Model,
        Hostname = t.Hostname,
        Error = t.Error ?? "",
        CreatedAt = Timestamp.FromDateTimeOffset(t.CreatedAt),
        UpdatedAt = Timestamp.FromDateTimeOffset(t.UpdatedAt),
        Owner = t.Owner ?? "",
    };

    public static HardwareOverrides ToDomain(this V1.HardwareOverrides? o) => o is null
        ? HardwareOverrides.None
        : new HardwareOverrides(
            o.HasCpuCores ? o.CpuCores : null,
            o.HasMemoryMib ? o.MemoryMib : null,
            o.HasDiskGib ? o.DiskGib : null);

    public static V1.Template ToProto(this Domain.InstantClone.ReplicaMap map)
    {
        var t = map.Template!;
        var proto = new V1.Template
        {
            Name = t.Name,
            Model = t.Model,
            DiskImage = t.DiskImage,
            Hardware = t.Hardware.ToProto(),
            ChildPrivateMemoryMib = t.ChildPrivateMemoryMib,
        };
        proto.Customizations.AddRange(t.Customizations.Select(c => new V1.ParentCustomization { Name = c.Name, Reboots = c.Reboots, Detail = c.Detail }));
        proto.Replicas.AddRange(map.Replicas.Values.Select(r => new V1.Replica { HostId = r.HostId, VmId = r.VmId, State = r.State.ToString() }));
        return proto;
    }

    public static V1.Pool ToProto(this Cluster.Pools.ChildPoolProtocol.PoolStatus s)
    {
        var d = s.Definition;
        var proto = new V1.Pool
        {
            Name = d.Name,
            Template = d.Template,
            NamePattern = d.NamePattern,
            IpRange = d.IpRange,
            Domain = d.Domain,
            Desired = d.Desired,
            SurplusOrder = d.SurplusOrder.ToString().ToLowerInvariant(),
            Persistent = d.Persistent,
            PoweredOff = !d.PowerOnAhead,
            Ready = s.Ready,
            Running = s.Running,
            Pending = s.Forking,
            Lost = s.Lost,
            Removing = s.Removing,
            FailedTotal = s.FailedTotal,
            LastFailure = s.LastFailure ?? "",
            Shortfall = s.Shortfall ?? "",
            Deleting = s.Deleting,
            Owner = d.Owner ?? "",
        };
        proto.TargetHosts.AddRange(d.TargetHosts);
        if (d.Autoscaling is { } bounds) proto.Autoscaling = new V1.Autoscaling { Min = bounds.Min, Max = bounds.Max };
        if (s.Children is { } children) proto.Children.AddRange(children.Select(ToProto));
        proto.Incidents.AddRange(s.Incidents.Select(ToProto));
        return proto;
    }

    public static V1.PoolChild ToProto(this Domain.Pools.PoolChild c) => new()
    {
        Id = c.ChildId,
        Number = c.Number,
        Identity = new V1.Identity { Hostname = c.Name, MachineId = c.MachineId.ToString(), Macs = { c.Mac } },
        Ip = c.Ip,
        HostId = c.HostId,
        State = c.State.ToString(),
        CreatedAt = Timestamp.FromDateTimeOffset(c.CreatedAt),
        Running = c.Running,
        Failure = c.Failure ?? "",
    };
}
