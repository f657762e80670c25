using System.Collections.Immutable;

namespace CloudController.Domain.Metering;

/// <summary>
/// Usage per owner, kept by comparing what is in use with what was at the last sample: a VM seen for the first time
/// started when its record says it did; one no longer seen ended at the sample that missed it, so an end is exact to
/// the sample interval. A source that could not be read at a sample ends nothing.
/// </summary>
public sealed record UsageLedger(ImmutableDictionary<string, MeteredVm> Vms) : IDomainState
{
    /// <summary>What an owner-less VM (made while access control was off) is reported under.</summary>
    public const string NoOwner = "";

    public static readonly UsageLedger Empty = new(ImmutableDictionary<string, MeteredVm>.Empty.WithComparers(StringComparer.Ordinal));

    public UsageLedger Apply(IDomainEvent e) => e switch
    {
        UsageStarted s => this with { Vms = Vms.SetItems(s.Vms.Where(v => !Vms.ContainsKey(v.SubjectId)).Select(v => KeyValuePair.Create(v.SubjectId, v))) },
        UsageEnded ended => this with
        {
            Vms = Vms.SetItems(ended.SubjectIds.Where(id => Vms.TryGetValue(id, out var v) && v.Ended is null)
                .Select(id => KeyValuePair.Create(id, Vms[id] with { Ended = ended.At }))),
        },
        UsagePruned p => this with { Vms = Vms.RemoveRange(Vms.Values.Where(v => v.Ended < p.Before).Select(v => v.SubjectId)) },
        _ => this,
    };

    /// <summary>The events that bring the ledger in step with an observation: none when nothing changed.</summary>
    public IReadOnlyList<IDomainEvent> Reconcile(UsageObservation seen)
    {
        var events = new List<IDomainEvent>();
        var started = seen.Live.Where(v => !Vms.ContainsKey(v.SubjectId)).Select(v => v with { Ended = null }).ToImmutableArray();
        if (!started.IsEmpty) events.Add(new UsageStarted(started));
        var live = seen.Live.Select(v => v.SubjectId).ToHashSet(StringComparer.Ordinal);
        var ended = Vms.Values
            .Where(v => v.Ended is null && seen.SourcesSeen.Contains(v.Source) && !live.Contains(v.SubjectId))
            .Select(v => v.SubjectId)
            .Order(StringComparer.Ordinal)
            .ToImmutableArray();
        if (!ended.IsEmpty) events.Add(new UsageEnded(ended, seen.At));
        return events;
    }

    /// <summary>The sources with a VM in use, so that one gone since (a deleted pool) is still read, as empty.</summary>
    public IEnumerable<string> OpenSources() => Vms.Values.Where(v => v.Ended is null).Select(v => v.Source).Distinct();

    /// <summary>Usage that ended before <paramref name="cutoff"/>, if there is any to forget.</summary>
    public UsagePruned? Prune(DateTimeOffset cutoff) => Vms.Values.Any(v => v.Ended < cutoff) ? new UsagePruned(cutoff) : null;

    /// <summary>Each owner's usage within [from, to) (an open VM counted as in use until now), and what it holds now.</summary>
    public IReadOnlyList<UsageRow> Report(DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, Func<string, bool> includeOwner) =>
        Vms.Values
            .Where(v => includeOwner(v.Owner))
            .GroupBy(v => v.Owner, StringComparer.Ordinal)
            .Select(owner =>
            {
                double vmHours = 0, coreHours = 0, memoryGibHours = 0, diskGibHours = 0;
                foreach (var v in owner)
                {
                    var hours = v.HoursWithin(from, to, now);
                    vmHours += hours;
                    coreHours += hours * v.Hardware.CpuCores;
                    memoryGibHours += hours * v.Hardware.MemoryMib / 1024.0;
                    diskGibHours += hours * v.Hardware.DiskGib;
                }
                var held = owner.Where(v => v.Ended is null).ToList();
                return new UsageRow(owner.Key, owner.Count(v => v.Started >= from && v.Started < to), vmHours, coreHours, memoryGibHours,
                    diskGibHours, held.Count, Resources.Sum(held.Select(v => v.Hardware)));
            })
            .Where(r => r.VmHours > 0 || r.VmsHeld > 0 || r.VmsStarted > 0)
            .OrderBy(r => r.Owner, StringComparer.Ordinal)
            .ToList();
}
