using System.Collections.Immutable;

namespace CloudController.Hypervisor;

/// <summary>
/// A copy of a suspended VM (<see cref="IHypervisorDriver.CloneSuspendedAsync"/>) between two drivers on two machines
/// (host agents), as the halves each side runs: <see cref="MachineCopy"/> puts them in order. A driver that serves
/// both hosts copies on its own instead.
/// </summary>
public interface IMachineCopy
{
    /// <summary>Source: the suspended VM described, and its disk and saved state made readable to the target.</summary>
    Task<CopyOffer> OfferCopyAsync(CopyPlan plan, CancellationToken ct);

    /// <summary>Target: the clone made from the offer, its data pulled and checked against the offer's digests. A failure leaves nothing here.</summary>
    Task AcceptCopyAsync(CopyPlan plan, CopyOffer offer, CancellationToken ct);

    /// <summary>Source: whatever the offer opened for the target closed; the source VM stays suspended as it was.</summary>
    Task EndCopyOfferAsync(CopyPlan plan, CancellationToken ct);
}

/// <summary>A copy of <paramref name="SourceVmId"/> on <paramref name="SourceHostId"/> to <paramref name="Copy"/> on <paramref name="TargetHostId"/>.</summary>
public sealed record CopyPlan(string SourceHostId, string SourceVmId, string TargetHostId, VmDefinition Copy);

/// <param name="VmJson">The source VM as its driver keeps it (the same driver kind reads it on the target).</param>
/// <param name="Streams">What the target pulls from the source machine, each with the SHA-256 it must have.</param>
public sealed record CopyOffer(string VmJson, string BaseLayerId, string Image, bool SharedBase, long DiskBytes, ImmutableArray<CopyStream> Streams);

/// <param name="Name">What it is: the disk, the memory, the device state.</param>
/// <param name="Address">Where the target reads it (an NBD URI on the source machine's migration address).</param>
/// <param name="Bytes">Its length: what the target keeps of what it reads.</param>
public sealed record CopyStream(string Name, string Address, string Sha256, long Bytes);

/// <summary>The order of a copy's halves between two machines: the source's offer is closed whatever happens on the target.</summary>
public static class MachineCopy
{
    public static async Task CopyAsync(IMachineCopy source, IMachineCopy target, CopyPlan plan, CancellationToken ct)
    {
        var offer = await source.OfferCopyAsync(plan, ct);
        try
        {
            await target.AcceptCopyAsync(plan, offer, ct);
        }
        finally
        {
            // With a fresh token: a given-up copy still closes what the source opened.
            await source.EndCopyOfferAsync(plan, CancellationToken.None);
        }
    }
}
