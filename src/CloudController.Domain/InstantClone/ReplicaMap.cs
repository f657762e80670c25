using System.Collections.Immutable;

namespace CloudController.Domain.InstantClone;

public enum ReplicaState
{
    /// <summary>Being made: cloned, customized, quiesced. Its maker finishes or rolls it back, even after a crash.</summary>
    Creating,

    /// <summary>Quiesced into the forked state: children can be forked from it.</summary>
    Ready,
}

/// <summary>A template's customized clone on one host, the parent its children there are forked from.</summary>
public sealed record Replica(string HostId, string VmId, ReplicaState State);

/// <summary>
/// Template x host -> replica: for one fork template, its definition and the replica on each host. A request for
/// children on a host uses the replica there, or has one made; the map records it being made first, so two
/// requests for the same host never make two, and a crash mid-way leaves a record that is finished or undone.
/// </summary>
public sealed record ReplicaMap(ForkTemplate? Template, ImmutableSortedDictionary<string, Replica> Replicas) : IDomainState
{
    public static readonly ReplicaMap Empty = new(null, ImmutableSortedDictionary<string, Replica>.Empty.WithComparers(StringComparer.Ordinal));

    public static string ReplicaVmId(string template, string hostId) => $"replica-{template}-{hostId}";

    public ReplicaMap Apply(IDomainEvent e) => e switch
    {
        TemplateDefined d => this with { Template = d.Template },
        ReplicaCreating c => this with { Replicas = Replicas.SetItem(c.HostId, new Replica(c.HostId, c.VmId, ReplicaState.Creating)) },
        ReplicaReady r when Replicas.TryGetValue(r.HostId, out var replica) => this with
        {
            Replicas = Replicas.SetItem(r.HostId, replica with { State = ReplicaState.Ready }),
        },
        ReplicaRemoved r => this with { Replicas = Replicas.Remove(r.HostId) },
        _ => this,
    };

    /// <summary>A template can be redefined only while it has no replica: replicas are made from the definition.</summary>
    public Decision Define(ForkTemplate template)
    {
        if (Template is not null && Template.Equals(template)) return Decision.AlreadyDone;
        if (!Replicas.IsEmpty)
            return Decision.Refuse($"template {template.Name} has replicas on {Replicas.Count} host(s); remove them before redefining it");
        return Decision.Persist(new TemplateDefined(template));
    }

    /// <summary>Starts a replica on a host, unless one is there or on its way.</summary>
    public Decision StartReplica(string hostId)
    {
        if (Template is null) return Decision.Refuse("the template is not defined");
        return Replicas.ContainsKey(hostId)
            ? Decision.AlreadyDone
            : Decision.Persist(new ReplicaCreating(hostId, ReplicaVmId(Template.Name, hostId)));
    }

    public Decision MarkReady(string hostId) =>
        Replicas.TryGetValue(hostId, out var replica)
            ? replica.State == ReplicaState.Ready ? Decision.AlreadyDone : Decision.Persist(new ReplicaReady(hostId))
            : Decision.Refuse($"no replica is being made on {hostId}");

    public Decision Remove(string hostId, string reason) =>
        Replicas.ContainsKey(hostId) ? Decision.Persist(new ReplicaRemoved(hostId, reason)) : Decision.AlreadyDone;
}

public sealed record TemplateDefined(ForkTemplate Template) : IDomainEvent;

public sealed record ReplicaCreating(string HostId, string VmId) : IDomainEvent;

public sealed record ReplicaReady(string HostId) : IDomainEvent;

/// <summary>A replica rolled back after a failure, or removed once nothing depends on it.</summary>
public sealed record ReplicaRemoved(string HostId, string Reason) : IDomainEvent;
