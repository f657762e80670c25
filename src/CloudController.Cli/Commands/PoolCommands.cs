using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class PoolCommands
{
    public static Palette Build(CcmApp app)
    {
        var name = new Argument<string>("pool") { Description = "The pool's name, e.g. web" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return at once instead of following the pool to its count" };

        var template = new Option<string>("--template") { Description = "The fork template children come from", Required = true, HelpName = "template" };
        var names = new Option<string>("--names") { Description = "Children's host names, with {n} for the number: web-{n:0000}", Required = true, HelpName = "pattern" };
        var ips = new Option<string>("--ip-range") { Description = "Children's addresses: 10.0.0.10-10.0.0.59 or 10.1.0.0/20", Required = true, HelpName = "range" };
        var count = new Option<int>("--count") { Description = "Children wanted", DefaultValueFactory = _ => 0, HelpName = "n" };
        var hosts = new Option<string[]>("--host") { Description = "A host children may run on; repeat (default: any active host)", HelpName = "host-id" };
        var domain = new Option<string?>("--domain") { Description = "A domain the children join", HelpName = "domain" };
        var order = new Option<string?>("--shrink") { Description = "Which children go first when the pool shrinks: newest (default) or oldest", HelpName = "order" };
        var persistent = new Option<bool>("--persistent") { Description = "Children keep their writes across power-off" };
        var poweredOff = new Option<bool>("--powered-off") { Description = "Fork children powered off, to start on demand" };
        var owner = new Option<string?>("--owner") { Description = "Whose the pool is (administrators only; default: yours)", HelpName = "user" };
        var autoscale = new Option<bool>("--autoscale") { Description = "Let an autoscaler (Kubernetes Cluster Autoscaler) size the pool within --min and --max" };
        var min = new Option<int>("--min") { Description = "Fewest children an autoscaler may leave", DefaultValueFactory = _ => 0, HelpName = "n" };
        var max = new Option<int?>("--max") { Description = "Most children an autoscaler may ask for", HelpName = "n" };
        var create = app.Change("create", "Create a pool of children forked from a template", async (parse, session, ct) =>
        {
            if (parse.GetValue(autoscale) && parse.GetValue(max) is null) return NeedsMax(session);
            var request = new CreatePoolRequest
            {
                Name = parse.GetValue(name), Template = parse.GetValue(template), NamePattern = parse.GetValue(names), IpRange = parse.GetValue(ips),
                Desired = parse.GetValue(count), Domain = parse.GetValue(domain) ?? "", SurplusOrder = parse.GetValue(order) ?? "",
                Persistent = parse.GetValue(persistent), PoweredOff = parse.GetValue(poweredOff), Owner = parse.GetValue(owner) ?? "",
                Autoscaling = parse.GetValue(autoscale) ? new Autoscaling { Min = parse.GetValue(min), Max = parse.GetValue(max)!.Value } : null,
            };
            request.TargetHosts.AddRange(parse.GetValue(hosts) ?? []);
            var pool = await session.Pools.CreatePoolAsync(request, cancellationToken: ct);
            if (!parse.GetValue(noWait) && pool.Desired > 0) return await PoolProgress.WatchAsync(session, pool.Name, ct);
            Output.Write(session, pool, PoolTables.Pool);
            return ExitCode.Success;
        });
        create.Arguments.Add(name);
        foreach (var option in new Option[] { template, names, ips, count, hosts, domain, order, persistent, poweredOff, owner, autoscale, min, max, noWait })
            create.Options.Add(option);

        var noAutoscale = new Option<bool>("--no-autoscale") { Description = "Take the pool out of autoscaling" };
        var set = app.Change("set", "Let an autoscaler size a pool within bounds (--autoscale --min --max), or stop it (--no-autoscale)", async (parse, session, ct) =>
        {
            if (parse.GetValue(autoscale) == parse.GetValue(noAutoscale))
            {
                session.Errors.WriteLine("Give --autoscale with --min and --max, or --no-autoscale.");
                return ExitCode.Usage;
            }
            if (parse.GetValue(autoscale) && parse.GetValue(max) is null) return NeedsMax(session);
            var request = new SetPoolAutoscalingRequest
            {
                Name = parse.GetValue(name),
                Autoscaling = parse.GetValue(autoscale) ? new Autoscaling { Min = parse.GetValue(min), Max = parse.GetValue(max)!.Value } : null,
            };
            Output.Write(session, await session.Pools.SetPoolAutoscalingAsync(request, cancellationToken: ct), PoolTables.Pool);
            return ExitCode.Success;
        });
        set.Arguments.Add(name);
        foreach (var option in new Option[] { autoscale, min, max, noAutoscale }) set.Options.Add(option);

        var childIds = new Argument<string[]>("child") { Description = "Child ids as `pool show --children` lists them", Arity = ArgumentArity.OneOrMore };
        var removeChild = app.Change("remove-child", "Remove named children; the pool's count drops by as many, so none is replaced", async (parse, session, ct) =>
        {
            var request = new RemoveChildrenRequest { Name = parse.GetValue(name) };
            request.ChildIds.AddRange(parse.GetValue(childIds) ?? []);
            var pool = await session.Pools.RemoveChildrenAsync(request, cancellationToken: ct);
            Output.WriteLine(session, pool, p => $"Pool {p.Name}: {request.ChildIds.Count} children being removed; it now keeps {p.Desired}.");
            return ExitCode.Success;
        });
        removeChild.Arguments.Add(name);
        removeChild.Arguments.Add(childIds);

        var desired = new Argument<int>("count") { Description = "Children wanted" };
        var scale = app.Change("scale", "Set how many children a pool keeps, and follow it there", async (parse, session, ct) =>
        {
            var pool = await session.Pools.ScalePoolAsync(new ScalePoolRequest { Name = parse.GetValue(name), Desired = parse.GetValue(desired) }, cancellationToken: ct);
            if (!parse.GetValue(noWait)) return await PoolProgress.WatchAsync(session, pool.Name, ct);
            Output.Write(session, pool, PoolTables.Pool);
            return ExitCode.Success;
        });
        scale.Arguments.Add(name);
        scale.Arguments.Add(desired);
        scale.Options.Add(noWait);

        var withChildren = new Option<bool>("--children") { Description = "List every child: name, IP, MAC, machine id, host" };
        var show = app.Remote("show", "Show a pool and its counts", async (parse, session, ct) =>
        {
            var pool = await session.Pools.GetPoolAsync(new GetPoolRequest { Name = parse.GetValue(name), WithChildren = parse.GetValue(withChildren) }, cancellationToken: ct);
            Output.Write(session, pool, PoolTables.Pool);
            return ExitCode.Success;
        });
        show.Arguments.Add(name);
        show.Options.Add(withChildren);

        var list = app.List("list", "List the pools",
            async (_, session, ct) => await session.Pools.ListPoolsAsync(new ListPoolsRequest(), cancellationToken: ct), r => PoolTables.Pools(r.Pools));

        var watch = app.Remote("watch", "Follow a pool until it holds its count", async (parse, session, ct) =>
            await PoolProgress.WatchAsync(session, parse.GetValue(name)!, ct));
        watch.Arguments.Add(name);

        var startCount = new Argument<int>("count") { Description = "How many to start" };
        var start = app.Change("start", "Start children a pool forked powered off (no boot: from the forked state)", async (parse, session, ct) =>
        {
            var pool = await session.Pools.StartChildrenAsync(new StartChildrenRequest { Name = parse.GetValue(name), Count = parse.GetValue(startCount) }, cancellationToken: ct);
            Output.WriteLine(session, pool, p => $"Pool {p.Name}: {p.Running} of {p.Ready} ready children running.");
            return ExitCode.Success;
        });
        start.Arguments.Add(name);
        start.Arguments.Add(startCount);

        var delete = app.Change("delete", "Remove every child of a pool, then the pool", async (parse, session, ct) =>
        {
            var pool = await session.Pools.DeletePoolAsync(new DeletePoolRequest { Name = parse.GetValue(name) }, cancellationToken: ct);
            Output.WriteLine(session, pool, p => $"Pool {p.Name} is being deleted: {p.Ready + p.Pending + p.Lost + p.Removing} children to remove.");
            return ExitCode.Success;
        });
        delete.Arguments.Add(name);

        return app.NewPalette("pool", "Pools of forked children that keep a count, for autoscalers", "pools")
            .Add(create).Add(scale).Add(show).Add(list).Add(watch).Add(start).Add(set).Add(removeChild).Add(delete);
    }

    private static ExitCode NeedsMax(CcmSession session)
    {
        session.Errors.WriteLine("--autoscale needs --max: the most children an autoscaler may ask for.");
        return ExitCode.Usage;
    }
}
