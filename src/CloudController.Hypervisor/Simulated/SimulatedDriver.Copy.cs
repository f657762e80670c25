using System.Collections.Immutable;
using System.Text.Json;
using CloudController.Domain.Disks;

namespace CloudController.Hypervisor.Simulated;

/// <summary>Copies of a suspended VM: on one fleet, or between two (host agents), where the offer carries what the target needs.</summary>
public sealed partial class SimulatedDriver : IMachineCopy
{
    /// <summary>What a copy takes from its source: the base, the size of the source's own layer, its apps.</summary>
    private sealed record CopySource(string BaseLayerId, string Image, long BaseSizeGib, long TopSizeGib, long TopAllocatedGib,
        ImmutableSortedDictionary<string, string?> InstalledApps);

    public async Task<CopyOffer> OfferCopyAsync(CopyPlan plan, CancellationToken ct)
    {
        await Prelude(DriverOperation.OfferCopy, plan.SourceHostId, plan.SourceVmId, ct);
        var source = SuspendedVm(DriverOperation.OfferCopy, plan.SourceHostId, plan.SourceVmId);
        // A simulated disk has no bytes to stream: the offer itself is all the target needs.
        return new CopyOffer(JsonSerializer.Serialize(source), source.BaseLayerId, source.Image, false, source.TopSizeGib << 30, []);
    }

    public async Task AcceptCopyAsync(CopyPlan plan, CopyOffer offer, CancellationToken ct)
    {
        const DriverOperation op = DriverOperation.AcceptCopy;
        await Prelude(op, plan.TargetHostId, plan.Copy.VmId, ct);
        var source = JsonSerializer.Deserialize<CopySource>(offer.VmJson) ?? throw Refuse(op, plan.TargetHostId, "the offer carries no VM");
        AddClone(op, plan.TargetHostId, plan.Copy, source);
    }

    public Task EndCopyOfferAsync(CopyPlan plan, CancellationToken ct) => Prelude(DriverOperation.EndCopyOffer, plan.SourceHostId, plan.SourceVmId, ct);

    private CopySource SuspendedVm(DriverOperation op, string hostId, string vmId)
    {
        var host = Fleet.Inspect(hostId);
        if (!host.VmsById.TryGetValue(vmId, out var original)) throw Refuse(op, hostId, $"no VM {vmId} to clone");
        if (original.PowerState != VmPowerState.Suspended)
            throw Refuse(op, hostId, $"VM {vmId} is {original.PowerState}; only a suspended VM has a saved state to copy");
        var chain = host.Disks.Chain(original.Definition.DiskLayerId);
        return new CopySource(chain[^1].LayerId, chain[^1].Image!, chain[^1].VirtualSizeGib, chain[0].VirtualSizeGib, chain[0].AllocatedGib, original.InstalledApps);
    }

    /// <summary>The clone, suspended, over the same base: all of it or, refused, nothing.</summary>
    private void AddClone(DriverOperation op, string hostId, VmDefinition clone, CopySource source) => Change(op, hostId, state =>
    {
        if (state.VmsById.TryGetValue(clone.VmId, out var existing))
            return existing.Definition == clone ? state : throw Refuse(op, hostId, $"VM {clone.VmId} exists with another definition");
        var disks = Apply(state.Disks.AddBase(source.BaseLayerId, source.Image, source.BaseSizeGib));
        // The copy of the source's own layer takes what the source's layer took: its writes come along.
        disks = Apply(disks.AddCopyOnWrite(clone.DiskLayerId, source.BaseLayerId, source.TopSizeGib, source.TopAllocatedGib));
        disks = Apply(disks.Attach(clone.VmId, clone.DiskLayerId));
        var next = state with
        {
            Disks = disks,
            VmsById = state.VmsById.Add(clone.VmId, new SimulatedVm(clone, VmPowerState.Suspended) { InstalledApps = source.InstalledApps }),
        };
        return next.Free.DiskGib < 0 ? throw Refuse(op, hostId, $"not enough disk for the copy: {state.Free.DiskGib} GiB free") : next;

        DiskLayerStore Apply(DiskChange change) => change.Refusal is { } reason ? throw Refuse(op, hostId, reason) : change.Store;
    });
}
