using System.Collections.Immutable;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Api.Watching;
using CloudController.Domain.Membership;
using Grpc.Core;

namespace CloudController.Api.Services;

/// <summary>
/// The cluster for administrators, on Akka's Cluster and Cluster Sharding APIs: this node's view of the members,
/// their events, leave and down (checked by <see cref="MembershipChange"/>), and shards and entities per region and node.
/// </summary>
public sealed class AdminService(ControllerActors actors) : Admin.AdminBase
{
    private Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(actors.System);

    public override Task<ClusterState> GetCluster(GetClusterRequest request, ServerCallContext context)
    {
        var state = Cluster.State;
        var self = Cluster.SelfAddress;
        var oldest = state.Members.Where(m => m.Status == MemberStatus.Up).OrderBy(m => m, Member.AgeOrdering).FirstOrDefault()?.Address;
        var reply = new ClusterState { Leader = state.Leader?.ToString() ?? "", Oldest = oldest?.ToString() ?? "", Self = self.ToString() };
        foreach (var m in state.Members)
        {
            var member = new ClusterMember
            {
                Address = m.Address.ToString(),
                Status = m.Status.ToString(),
                Reachable = !state.Unreachable.Contains(m),
                Leader = m.Address == state.Leader,
                Oldest = m.Address == oldest,
                Self = m.Address == self,
            };
            member.Roles.AddRange(m.Roles.Where(r => !r.StartsWith("dc-", StringComparison.Ordinal)));
            reply.Members.Add(member);
        }
        return Task.FromResult(reply);
    }

    public override async Task WatchCluster(WatchClusterRequest request, IServerStreamWriter<V1.ClusterEvent> responseStream, ServerCallContext context)
    {
        var events = Channel.CreateUnbounded<V1.ClusterEvent>(new UnboundedChannelOptions { SingleReader = true });
        var relay = actors.System.ActorOf(ClusterEventRelay.Props(events.Writer));
        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(context.CancellationToken)) await responseStream.WriteAsync(e, context.CancellationToken);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The watcher went away: nothing to answer.
        }
        finally
        {
            relay.Tell(PoisonPill.Instance);
        }
    }

    public override Task<ClusterChange> LeaveMember(MemberRequest request, ServerCallContext context)
    {
        var member = Checked(request.Address, down: false);
        Cluster.Leave(member);
        return Task.FromResult(Change([member], $"{member} is leaving: its shards and singletons hand over to the others, then it stops"));
    }

    public override Task<ClusterChange> DownMember(MemberRequest request, ServerCallContext context)
    {
        var member = Checked(request.Address, down: true);
        Cluster.Down(member);
        return Task.FromResult(Change([member], $"{member} is down: it is removed and its shards start again on the others"));
    }

    public override Task<ClusterChange> DownUnreachable(DownUnreachableRequest request, ServerCallContext context)
    {
        var (addresses, refusal) = MembershipChange.Unreachable(Members());
        if (refusal is not null) throw RpcErrors.FailedPrecondition(refusal);
        var members = Cluster.State.Members.Select(m => m.Address).Where(a => addresses.Contains(a.ToString())).ToList();
        foreach (var member in members) Cluster.Down(member);
        return Task.FromResult(Change(members, members.Count == 0
            ? "every member is reachable: nothing to down"
            : $"{members.Count} unreachable member(s) down: they are removed and their shards start again on the others"));
    }

    public override async Task<ShardingState> GetSharding(GetShardingRequest request, ServerCallContext context)
    {
        var sharding = ClusterSharding.Get(actors.System);
        var types = sharding.ShardTypeNames.Order(StringComparer.Ordinal).ToList();
        if (request.Type.Length > 0 && !types.Contains(request.Type))
            throw RpcErrors.InvalidArgument("type", $"'{request.Type}' is not an entity type", $"give one of {string.Join(", ", types)}");
        var state = Cluster.State;
        var members = state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).ToList();
        var reply = new ShardingState();
        reply.Regions.AddRange(await Task.WhenAll(types.Where(t => request.Type.Length == 0 || t == request.Type)
            .Select(type => RegionAsync(type, members, state.Unreachable, context.CancellationToken))));
        return reply;
    }

    /// <summary>How long one member's region may take to say what it holds before it is shown as not answering.</summary>
    private static readonly TimeSpan RegionPatience = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Each member's region asked itself, not through the shard coordinator: the coordinator is a singleton that may
    /// sit on an unreachable member, and its answer waits for every region. An unreachable member is not asked and one
    /// that does not answer in time is listed as failed, so the call answers while a member is dead and undowned.
    /// </summary>
    private async Task<ShardingRegion> RegionAsync(string type, IReadOnlyList<Member> members, IImmutableSet<Member> unreachable, CancellationToken ct)
    {
        var patience = RegionPatience < actors.AskTimeout ? RegionPatience : actors.AskTimeout;
        var answers = await Task.WhenAll(members.Select(async member =>
        {
            if (unreachable.Contains(member)) return (member.Address, Stats: (ShardRegionStats?)null, Why: "unreachable, not asked");
            try
            {
                var region = actors.System.ActorSelection(new RootActorPath(member.Address) / "system" / "sharding" / Uri.EscapeDataString(type));
                return (member.Address, Stats: await region.Ask<ShardRegionStats>(GetShardRegionStats.Instance, patience, ct), Why: "");
            }
            catch (AskTimeoutException)
            {
                return (member.Address, Stats: null, Why: $"no answer in {patience.TotalSeconds:0} s");
            }
        }));
        var reply = new ShardingRegion { Type = type };
        foreach (var (address, stats, why) in answers)
        {
            if (stats is null)
            {
                reply.Failed.Add($"{address}: {why}");
                continue;
            }
            reply.Nodes.Add(new RegionNode { Address = address.ToString(), Shards = stats.Stats.Count, Entities = stats.Stats.Values.Sum() });
            reply.Failed.AddRange(stats.Failed.Select(shard => $"{address}: shard {shard}"));
        }
        return reply;
    }

    private List<MemberView> Members()
    {
        var state = Cluster.State;
        return state.Members.Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), !state.Unreachable.Contains(m))).ToList();
    }

    /// <summary>The member the request names, or the refusal: not found for an address no member has, else why not.</summary>
    private Address Checked(string address, bool down)
    {
        var members = Members();
        if (!string.IsNullOrWhiteSpace(address) && MembershipChange.Find(members, address) is null)
            throw RpcErrors.NotFound(MembershipChange.Refusal(members, address, down)!);
        if (MembershipChange.Refusal(members, address, down) is { } refusal) throw RpcErrors.FailedPrecondition(refusal);
        var found = MembershipChange.Find(members, address)!.Address;
        return Cluster.State.Members.First(m => m.Address.ToString() == found).Address;
    }

    private static ClusterChange Change(IEnumerable<Address> members, string message)
    {
        var change = new ClusterChange { Message = message };
        change.Addresses.AddRange(members.Select(m => m.ToString()));
        return change;
    }
}
