using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class StorageCommands
{
    public static Palette Build(CcmApp app)
    {
        var id = new Argument<string>("pool") { Description = "The storage pool's id" };
        var datastores = new Option<string[]>("--datastore")
        {
            Description = "A datastore: id:capacity-gib[:ssd|hdd][:host-id for a local one]; repeat", Required = true, HelpName = "id:gib[:media][:host]",
        };
        var policy = new Option<string?>("--policy") { Description = "equal (default), weighted, baseline or dynamic", HelpName = "policy" };
        var overcommit = new Option<double?>("--overcommit") { Description = "How far shares may add up past capacity, 1.0 (default) to 4.0", HelpName = "ratio" };
        var baseline = new Option<long?>("--baseline") { Description = "Each VM's share under the baseline policy, GiB (default 10)", HelpName = "gib" };
        var weights = new Option<string[]>("--role-weight") { Description = "A role's weight under the weighted policy, role=weight; repeat", HelpName = "role=weight" };
        datastores.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.Split(':') is not [{ Length: > 0 }, var gib, ..] || !long.TryParse(gib, out _)))
                result.AddError($"--datastore takes id:capacity-gib[:ssd|hdd][:host-id], got '{token.Value}'.");
        });
        var define = app.Change("create", "Define a storage pool: its datastores and how it shares them", async (parse, session, ct) =>
        {
            var pool = new StoragePool
            {
                Id = parse.GetValue(id), Policy = parse.GetValue(policy) ?? "", OvercommitRatio = parse.GetValue(overcommit) ?? 0, BaselineGib = parse.GetValue(baseline) ?? 0,
            };
            foreach (var d in parse.GetValue(datastores) ?? [])
            {
                var parts = d.Split(':');
                pool.Datastores.Add(new StorageDatastore
                {
                    Id = parts[0], CapacityGib = long.Parse(parts[1]), Media = parts.Length > 2 ? parts[2] : "ssd",
                    Kind = parts.Length > 3 ? "local" : "shared", HostId = parts.Length > 3 ? parts[3] : "",
                });
            }
            foreach (var w in parse.GetValue(weights) ?? [])
            {
                var at = w.IndexOf('=');
                if (at <= 0 || !double.TryParse(w[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var weight))
                {
                    session.Errors.WriteLine($"--role-weight takes role=weight, got '{w}'.");
                    return ExitCode.Usage;
                }
                pool.RoleWeights[w[..at]] = weight;
            }
            Output.Write(session, await session.Storage.DefinePoolAsync(pool, cancellationToken: ct), p => StorageTables.StoragePools([p]));
            return ExitCode.Success;
        });
        define.Aliases.Add("define");
        define.Arguments.Add(id);
        foreach (var option in new Option[] { datastores, policy, overcommit, baseline, weights }) define.Options.Add(option);

        var pools = app.List("list", "List the storage pools",
            async (_, session, ct) => await session.Storage.ListPoolsAsync(new ListStoragePoolsRequest(), cancellationToken: ct), r => StorageTables.StoragePools(r.Pools));

        pools.Aliases.Add("pools");

        var onlyPool = new Option<string?>("--pool") { Description = "Only this pool's allocations", HelpName = "pool" };
        var allocations = app.List("allocations", "The allocation table: per VM, its datastore and share",
            async (parse, session, ct) => await session.Storage.ListAllocationsAsync(new ListAllocationsRequest { PoolId = parse.GetValue(onlyPool) ?? "" }, cancellationToken: ct),
            r => StorageTables.StorageAllocations(r.Allocations));
        allocations.Options.Add(onlyPool);

        var limit = new Option<int?>("--last") { Description = "How many changes (default 100)", HelpName = "n" };
        var changes = app.List("changes", "The latest changes to allocations, each with why",
            async (parse, session, ct) => await session.Storage.ListChangesAsync(new ListAllocationChangesRequest { Limit = parse.GetValue(limit) ?? 0 }, cancellationToken: ct),
            r => StorageTables.StorageChanges(r.Changes));
        changes.Options.Add(limit);

        var rebalance = app.Change("rebalance", "Re-share a pool now from what its VMs wrote", async (parse, session, ct) =>
        {
            var done = await session.Storage.RebalanceAsync(new RebalanceStorageRequest { PoolId = parse.GetValue(id) }, cancellationToken: ct);
            Output.WriteLine(session, done, r => $"Pool {parse.GetValue(id)}: {r.Changed} datastore(s) re-shared.");
            return ExitCode.Success;
        });
        rebalance.Arguments.Add(id);

        return app.NewPalette("storage", "Storage pools shared out among VMs, and the allocation table")
            .Add(define).Add(pools).Add(allocations).Add(changes).Add(rebalance);
    }
}
