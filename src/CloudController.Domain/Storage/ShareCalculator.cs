using System.Collections.Immutable;

namespace CloudController.Domain.Storage;

/// <summary>A VM drawing on a datastore: what it holds now, its role or weight, and its measured activity (0..1).</summary>
public sealed record StorageMember(string VmId, long UsedGib, string? Role = null, double? Weight = null, double Activity = 0);

/// <summary>
/// Computes each VM's share of one datastore under a pool's policy, in whole GiB. Shares add up to at most what the
/// datastore allows (capacity times the over-commit ratio); no VM gets less than it holds (its used GiB); the
/// remainder of the rounding goes to the largest fractions, so nothing is lost and nothing is over-given.
/// </summary>
public static class ShareCalculator
{
    /// <summary>How much more weight full activity gives a VM under the dynamic policy than an idle one has.</summary>
    public const double DynamicGain = 3.0;

    /// <returns>The shares, or why the members cannot fit (what they hold already exceeds what is allowed).</returns>
    public static (ImmutableDictionary<string, long>? Shares, string? Problem) Compute(StoragePool pool, Datastore datastore, IReadOnlyList<StorageMember> members)
    {
        var allowed = pool.AllowedGib(datastore);
        if (members.Count == 0) return (ImmutableDictionary<string, long>.Empty, null);
        var held = members.Sum(m => m.UsedGib);
        if (held > allowed)
            return (null, $"the VMs on {datastore.Id} hold {held} GiB, more than the {allowed} GiB it allows; grow it or move some away");

        if (pool.Policy == AllocationPolicy.Baseline)
        {
            var each = members.Count * pool.BaselineGib <= allowed ? pool.BaselineGib : allowed / members.Count;
            // A VM that already holds more than the baseline keeps what it holds; the total still fits (checked above).
            var baseline = members.ToImmutableDictionary(m => m.VmId, m => Math.Max(each, m.UsedGib));
            return baseline.Values.Sum() <= allowed ? (baseline, null) : WaterFill(members, members.ToDictionary(m => m.VmId, _ => 1.0), allowed);
        }
        var weights = members.ToDictionary(m => m.VmId, m => pool.Policy switch
        {
            AllocationPolicy.Weighted => Math.Max(0.0001, m.Weight ?? (m.Role is { } role && pool.RoleWeights.TryGetValue(role, out var w) ? w : 1.0)),
            AllocationPolicy.Dynamic => 1.0 + DynamicGain * Math.Clamp(m.Activity, 0, 1),
            _ => 1.0,
        });
        return WaterFill(members, weights, allowed);
    }

    /// <summary>
    /// Proportional shares with floors: a VM whose proportional share is below what it holds gets what it holds, and
    /// the rest is shared among the others again, until every share is at or above its floor.
    /// </summary>
    private static (ImmutableDictionary<string, long>?, string?) WaterFill(IReadOnlyList<StorageMember> members, Dictionary<string, double> weights, long allowed)
    {
        var pinned = new Dictionary<string, long>();
        var open = members.ToList();
        while (true)
        {
            var remaining = allowed - pinned.Values.Sum();
            var total = open.Sum(m => weights[m.VmId]);
            var below = open.Where(m => remaining * weights[m.VmId] / total < m.UsedGib).ToList();
            if (below.Count == 0) break;
            foreach (var m in below)
            {
                pinned[m.VmId] = m.UsedGib;
                open.Remove(m);
            }
            if (open.Count == 0) break;
        }

        var shares = new Dictionary<string, long>(pinned);
        if (open.Count > 0)
        {
            var remaining = allowed - pinned.Values.Sum();
            var total = open.Sum(m => weights[m.VmId]);
            var exact = open.Select(m => (m.VmId, Value: remaining * weights[m.VmId] / total)).ToList();
            foreach (var (vm, value) in exact) shares[vm] = (long)Math.Floor(value);
            var left = remaining - exact.Sum(e => (long)Math.Floor(e.Value));
            // Largest remainders first, ties by id so the result does not depend on input order.
            foreach (var (vm, _) in exact.OrderByDescending(e => e.Value - Math.Floor(e.Value)).ThenBy(e => e.VmId, StringComparer.Ordinal).Take((int)left))
                shares[vm]++;
        }
        return (shares.ToImmutableDictionary(), null);
    }
}
