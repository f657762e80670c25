using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;
using Grpc.Core;

namespace CloudController.Cli.Commands;

/// <summary>The cluster itself, as pbm's cluster and sharding palettes show it (administrators).</summary>
public static class ClusterCommands
{
    public static Palette Build(CcmApp app)
    {
        var show = app.Remote("show", "Show the members: status, reachability, roles, the leader and the oldest (it runs the singletons)",
            async (_, session, ct) =>
            {
                Output.Write(session, await session.Admin.GetClusterAsync(new GetClusterRequest(), cancellationToken: ct), ClusterTables.Members);
                return ExitCode.Success;
            });

        var tail = app.Remote("tail", "Print member events as they happen (the current members first); Ctrl+C stops", async (_, session, ct) =>
        {
            using var call = session.Admin.WatchCluster(new WatchClusterRequest(), cancellationToken: ct);
            try
            {
                await foreach (var e in call.ResponseStream.ReadAllAsync(ct)) Output.WriteLine(session, e, ClusterTables.Event);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
                // Stopped by the operator.
            }
            return ExitCode.Success;
        });

        var reason = new Option<string?>("--reason") { Description = "Why, for the log", HelpName = "text" };
        var leaveAddress = Address();
        var leave = app.Change("leave", "Make a member leave gracefully: its shards and singletons hand over, then it stops", async (parse, session, ct) =>
        {
            var change = await session.Admin.LeaveMemberAsync(new MemberRequest { Address = parse.GetValue(leaveAddress), Reason = parse.GetValue(reason) ?? "" }, cancellationToken: ct);
            Output.WriteLine(session, change, c => c.Message);
            return ExitCode.Success;
        });
        leave.Arguments.Add(leaveAddress);
        leave.Options.Add(reason);

        var downAddress = Address();
        var down = app.Change("down", "Down a dead or cut-off member: it is removed and its shards start on the others", async (parse, session, ct) =>
        {
            var change = await session.Admin.DownMemberAsync(new MemberRequest { Address = parse.GetValue(downAddress), Reason = parse.GetValue(reason) ?? "" }, cancellationToken: ct);
            Output.WriteLine(session, change, c => c.Message);
            return ExitCode.Success;
        });
        down.Arguments.Add(downAddress);
        down.Options.Add(reason);

        var downUnreachable = app.Change("down-unreachable", "Down every member this node cannot reach", async (parse, session, ct) =>
        {
            var change = await session.Admin.DownUnreachableAsync(new DownUnreachableRequest { Reason = parse.GetValue(reason) ?? "" }, cancellationToken: ct);
            Output.WriteLine(session, change, c => string.Join(Environment.NewLine, c.Addresses.Select(a => $"down: {a}").Append(c.Message)));
            return ExitCode.Success;
        });
        downUnreachable.Options.Add(reason);

        var type = new Option<string?>("--type") { Description = "One entity type: pool, task, host, vm, ... (default: all)", HelpName = "type" };
        var sharding = app.Remote("sharding", "Show each entity type's shards and entities per node", async (parse, session, ct) =>
        {
            Output.Write(session, await session.Admin.GetShardingAsync(new GetShardingRequest { Type = parse.GetValue(type) ?? "" }, cancellationToken: ct),
                ClusterTables.Sharding);
            return ExitCode.Success;
        });
        sharding.Options.Add(type);

        return app.NewPalette("cluster", "The cluster's members and shards (administrators)")
            .Add(show).Add(tail).Add(leave).Add(down).Add(downUnreachable).Add(sharding);
    }

    private static Argument<string> Address() => new("address") { Description = "As `ccm cluster show` lists it: akka.tcp://system@host:port, or host:port" };
}
