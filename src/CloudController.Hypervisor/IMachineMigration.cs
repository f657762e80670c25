namespace CloudController.Hypervisor;

/// <summary>
/// A live migration between two drivers on two machines (host agents), as the two halves each side runs:
/// <see cref="MachineMigration"/> puts them in order. A driver that serves both hosts migrates on its own instead.
/// </summary>
public interface IMachineMigration
{
    /// <summary>Source: what the target needs to take the VM in (its record, its disk's base and place).</summary>
    Task<MigrationOffer> OfferMigrationAsync(MigrationPlan plan, CancellationToken ct);

    /// <summary>Target: the VM's place made ready (its base, an empty layer or the shared one, its record), as a prepare.</summary>
    Task AcceptMigrationAsync(MigrationPlan plan, MigrationOffer offer, CancellationToken ct);

    /// <summary>Target: its process started paused, waiting for the memory (and the disk) on this machine's migration address.</summary>
    Task<MigrationEndpoints> ListenForMigrationAsync(MigrationPlan plan, CancellationToken ct);

    /// <summary>Source: the disk mirrored and the memory sent; the source is left paused. A failure resumes it.</summary>
    Task SendMigrationAsync(MigrationPlan plan, MigrationEndpoints to, CancellationToken ct);

    /// <summary>Target: the state is in, the guest runs here. A failure stops the target's process.</summary>
    Task FinishMigrationAsync(MigrationPlan plan, CancellationToken ct);

    /// <summary>Source: <paramref name="moved"/>: its process goes and it is marked switched over; else it runs on (refused once switched over).</summary>
    Task EndMigrationSourceAsync(MigrationPlan plan, bool moved, CancellationToken ct);

    /// <summary>Target: whatever the migration left there (process, layer, record) removed.</summary>
    Task DropMigrationTargetAsync(MigrationPlan plan, CancellationToken ct);
}

/// <param name="VmJson">The VM's record as the source driver keeps it (the same driver kind reads it on the target).</param>
/// <param name="Datastore">The shared datastore its own layer is on (the same path on both machines), or null for a local layer.</param>
/// <param name="DiskBytes">The size the guest sees of its disk.</param>
public sealed record MigrationOffer(string VmJson, string BaseLayerId, string Image, bool SharedBase, string? Datastore, long DiskBytes);

/// <summary>The order of a migration's halves between two machines; every failure leaves the source running and nothing on the target.</summary>
public static class MachineMigration
{
    public static async Task PrepareAsync(IMachineMigration source, IMachineMigration target, MigrationPlan plan, CancellationToken ct) =>
        await target.AcceptMigrationAsync(plan, await source.OfferMigrationAsync(plan, ct), ct);

    public static async Task SwitchOverAsync(IMachineMigration source, IMachineMigration target, MigrationPlan plan, CancellationToken ct)
    {
        try
        {
            var endpoints = await target.ListenForMigrationAsync(plan, ct);
            await source.SendMigrationAsync(plan, endpoints, ct);
            await target.FinishMigrationAsync(plan, ct);
        }
        catch (Exception e) when (e is HypervisorException or OperationCanceledException)
        {
            // With a fresh token: a given-up switch-over still leaves the source running and the target empty.
            await source.EndMigrationSourceAsync(plan, moved: false, CancellationToken.None);
            await target.DropMigrationTargetAsync(plan, CancellationToken.None);
            throw;
        }
        await source.EndMigrationSourceAsync(plan, moved: true, ct);
    }

    public static async Task CancelAsync(IMachineMigration source, IMachineMigration target, MigrationPlan plan, CancellationToken ct)
    {
        await source.EndMigrationSourceAsync(plan, moved: false, ct);
        await target.DropMigrationTargetAsync(plan, ct);
    }
}
