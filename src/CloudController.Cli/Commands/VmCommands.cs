using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class VmCommands
{
    public static Palette Build(CcmApp app)
    {
        var model = new Option<string?>("--model") { Description = "The catalog model to clone", HelpName = "model" };
        var instant = new Option<string?>("--instant") { Description = "Instant deploy instead: resume a copy of this library image", HelpName = "image" };
        var os = new Option<string?>("--os") { Description = "A custom build instead: the OS (the best staged VM is cloned)", HelpName = "os" };
        var apps = new Option<string[]>("--app") { Description = "A custom build: an app the VM must have; repeat for several" };
        var answers = new Option<string[]>("--answer") { Description = "A value for an installed app's answer file, app.name=value; repeat", HelpName = "app.name=value" };
        var hostname = new Option<string>("--hostname") { Description = "The new VM's host name", Required = true, HelpName = "name" };
        var cpu = new Option<int?>("--cpu") { Description = "vCPUs, instead of the model's", HelpName = "n" };
        var memory = new Option<long?>("--memory") { Description = "Memory in MiB, instead of the model's", HelpName = "mib" };
        var disk = new Option<long?>("--disk") { Description = "Disk in GiB, instead of the model's", HelpName = "gib" };
        var minMemory = new Option<long?>("--min-memory") { Description = "The least memory to accept when no host has the desired amount, MiB", HelpName = "mib" };
        var wait = new Option<bool>("--wait") { Description = "Follow the task until it ends; the exit code says how" };
        var group = new Option<string?>("--group") { Description = "A VM group, e.g. web-tier", HelpName = "group" };
        var data = new Option<string[]>("--data") { Description = "Provisioning data for the guest, key=value; repeat (stored before the VM runs)", HelpName = "key=value" };
        var count = new Option<int?>("--count") { Description = "Provision this many VMs (--hostname is then a pattern with {n})", HelpName = "n" };
        var ipRange = new Option<string?>("--ip-range") { Description = "Addresses for the VMs, one each: 10.0.0.10-10.0.0.59", HelpName = "range" };
        var storagePool = new Option<string?>("--storage-pool") { Description = "A storage pool the VM's disk draws on", HelpName = "pool" };
        var storageRole = new Option<string?>("--storage-role") { Description = "Its role in a weighted storage pool", HelpName = "role" };
        var owner = new Option<string?>("--owner") { Description = "Whose the VMs are (administrators only; default: yours)", HelpName = "user" };
        var groupPolicy = new Option<string?>("--group-policy") { Description = "affinity (same hosts) or anti-affinity (never a host of the group)", HelpName = "policy" };

        var provision = app.Change("create", "Provision a VM: clone a model (--model), build to order (--os, --app), or resume an instant image (--instant)", async (parse, session, ct) =>
        {
            var overrides = new HardwareOverrides();
            if (parse.GetValue(cpu) is { } c) overrides.CpuCores = c;
            if (parse.GetValue(memory) is { } m) overrides.MemoryMib = m;
            if (parse.GetValue(disk) is { } d) overrides.DiskGib = d;
            var request = new ProvisionRequest
            {
                Model = parse.GetValue(model) ?? "",
                Os = parse.GetValue(os) ?? "",
                InstantImage = parse.GetValue(instant) ?? "",
                Hostname = parse.GetValue(hostname),
                Overrides = overrides,
                Group = parse.GetValue(group) ?? "",
                GroupPolicy = parse.GetValue(groupPolicy) ?? "",
                StoragePool = parse.GetValue(storagePool) ?? "",
                StorageRole = parse.GetValue(storageRole) ?? "",
                Count = parse.GetValue(count) ?? 0,
                IpRange = parse.GetValue(ipRange) ?? "",
                Owner = parse.GetValue(owner) ?? "",
            };
            request.Apps.AddRange(parse.GetValue(apps) ?? []);
            if (parse.GetValue(minMemory) is { } least) request.MinMemoryMib = least;
            KeyValueArguments.AddTo(request.Data, parse.GetValue(data));
            KeyValueArguments.AddTo(request.Answers, parse.GetValue(answers));
            var started = await session.Provisioning.ProvisionAsync(request, cancellationToken: ct);
            if (started.Vms.Count > 1)
            {
                Output.Write(session, started, VmTables.Provisioned);
                if (!parse.GetValue(wait)) return ExitCode.Success;
                var worst = ExitCode.Success;
                foreach (var vm in started.Vms)
                {
                    var ended = await TaskProgress.WatchAsync(session, vm.TaskId, ct);
                    if (ended != ExitCode.Success) worst = ended;
                }
                return worst;
            }
            if (parse.GetValue(wait)) return await TaskProgress.WatchAsync(session, started.TaskId, ct);
            Output.WriteLine(session, started,
                s => $"Task {s.TaskId} is provisioning VM {s.VmId}. Follow it with `ccm task watch {s.TaskId}`.");
            return ExitCode.Success;
        });
        provision.Aliases.Add("provision");
        foreach (var option in new Option[] { model, instant, os, apps, answers, data, storagePool, storageRole, count, ipRange, owner, hostname, cpu, memory, disk, minMemory, group, groupPolicy, wait }) provision.Options.Add(option);
        // Checked while parsing, so a wrong command line is a usage error before anything reaches the node.
        KeyValueArguments.RequirePairs(data, "--data takes key=value");
        KeyValueArguments.RequirePairs(answers, "--answer takes app.name=value");
        provision.Validators.Add(result =>
        {
            var sources = new Option[] { model, os, instant }.Where(o => result.GetResult(o) is not null).Select(o => o.Name).ToList();
            if (sources.Count == 0)
                result.AddError("Say what to provision: --model <model> to clone a catalog model, --os <os> (with --app) for a custom build, or --instant <image>.");
            else if (sources.Count > 1)
                result.AddError($"{string.Join(" and ", sources)} exclude each other: give only one of --model, --os, --instant.");
        });

        var host = new Option<string?>("--host") { Description = "Only the VMs on this host", HelpName = "host-id" };
        var list = app.List("list", "List the VMs",
            async (parse, session, ct) => await session.Vms.ListVmsAsync(new ListVmsRequest { HostId = parse.GetValue(host) ?? "" }, cancellationToken: ct),
            r => VmTables.Vms(r.Vms));
        list.Options.Add(host);

        var showId = new Argument<string>("vm-id") { Description = "The VM's id" };
        var show = app.Remote("show", "Show one VM", async (parse, session, ct) =>
        {
            var vm = await session.Vms.GetVmAsync(new GetVmRequest { Id = parse.GetValue(showId) }, cancellationToken: ct);
            Output.Write(session, vm, VmTables.Vm);
            return ExitCode.Success;
        });
        show.Arguments.Add(showId);

        var deleteId = new Argument<string>("vm-id") { Description = "The VM's id" };
        var deleteWait = new Option<bool>("--wait") { Description = "Follow the deletion until it ends" };
        var delete = app.Change("delete", "Power a VM off and remove it, its disk layer and its allocation", async (parse, session, ct) =>
        {
            var started = await session.Vms.DeleteVmAsync(new DeleteVmRequest { Id = parse.GetValue(deleteId) }, cancellationToken: ct);
            if (parse.GetValue(deleteWait)) return await TaskProgress.WatchAsync(session, started.TaskId, ct);
            Output.WriteLine(session, started, s => $"Task {s.TaskId} is deleting the VM. Follow it with `ccm task watch {s.TaskId}`.");
            return ExitCode.Success;
        });
        delete.Arguments.Add(deleteId);
        delete.Options.Add(deleteWait);

        var migrateId = new Argument<string>("vm-id") { Description = "The VM to move" };
        var to = new Option<string?>("--to") { Description = "The host to move it to (default: placement chooses)", HelpName = "host-id" };
        var migrateWait = new Option<bool>("--wait") { Description = "Follow the task until it ends; the exit code says how" };
        var migrate = app.Change("migrate", "Move a running VM to another host, live where the driver can; abort the task to roll back", async (parse, session, ct) =>
        {
            var started = await session.Vms.MigrateVmAsync(new MigrateVmRequest { Id = parse.GetValue(migrateId), TargetHostId = parse.GetValue(to) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(migrateWait)) return await TaskProgress.WatchAsync(session, started.TaskId, ct);
            Output.WriteLine(session, started, s => $"Task {s.TaskId} is migrating the VM. Follow it with `ccm task watch {s.TaskId}`.");
            return ExitCode.Success;
        });
        migrate.Arguments.Add(migrateId);
        migrate.Options.Add(to);
        migrate.Options.Add(migrateWait);

        var eventsId = new Argument<string>("vm-id") { Description = "The VM's id" };
        var events = app.List("events", "A VM's history, oldest first: its tasks, host moves, power changes and provisioning-data generations, with who asked",
            async (parse, session, ct) => await session.Vms.ListVmEventsAsync(new ListVmEventsRequest { Id = parse.GetValue(eventsId) }, cancellationToken: ct),
            r => VmTables.Events(r.Events));
        events.Arguments.Add(eventsId);

        return app.NewPalette("vm", "Virtual machines: create (provision), list, inspect, migrate, delete, their history and provisioning data", "vms")
            .Add(provision).Add(list).Add(show).Add(events).Add(migrate).Add(delete).Add(ConfigCommand(app));
    }

    /// <summary>`vm config set|get|status`: the VM's provisioning data, which reaches the guest while it runs.</summary>
    private static Command ConfigCommand(CcmApp app)
    {
        var id = new Argument<string>("vm-id") { Description = "The VM" };
        var pairs = new Argument<string[]>("key=value") { Description = "Keys to set", Arity = ArgumentArity.ZeroOrMore };
        var remove = new Option<string[]>("--remove") { Description = "A key to remove; repeat", HelpName = "key" };
        KeyValueArguments.RequirePairs(pairs, "set takes key=value");
        var set = app.Change("set", "Set (and --remove) provisioning-data keys as one new generation", async (parse, session, ct) =>
        {
            var request = new SetVmConfigRequest { Id = parse.GetValue(id) };
            KeyValueArguments.AddTo(request.Set, parse.GetValue(pairs));
            request.Remove.AddRange(parse.GetValue(remove) ?? []);
            Output.Write(session, await session.Vms.SetVmConfigAsync(request, cancellationToken: ct), VmTables.VmConfig);
            return ExitCode.Success;
        });
        set.Arguments.Add(id);
        set.Arguments.Add(pairs);
        set.Options.Add(remove);

        var showSecrets = new Option<bool>("--show-secrets") { Description = "Show secret values instead of ********" };
        var get = app.Remote("show", "Show a VM's provisioning data (secrets masked)", async (parse, session, ct) =>
        {
            var config = await session.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = parse.GetValue(id), ShowSecrets = parse.GetValue(showSecrets) }, cancellationToken: ct);
            Output.Write(session, config, VmTables.VmConfig);
            return ExitCode.Success;
        });
        get.Aliases.Add("get");
        get.Arguments.Add(id);
        get.Options.Add(showSecrets);

        var status = app.Remote("status", "Desired and applied generation, and the keys the guest could not apply", async (parse, session, ct) =>
        {
            var config = await session.Vms.GetVmConfigAsync(new GetVmConfigRequest { Id = parse.GetValue(id) }, cancellationToken: ct);
            Output.WriteLine(session, config, c => $"VM {c.Id}: generation {c.DesiredGeneration} desired, {c.AppliedGeneration} applied" +
                (c.FailedKeys.Count == 0 ? "" : "; failed: " + string.Join("; ", c.FailedKeys.Select(f => $"{f.Key}: {f.Value}"))));
            return config.FailedKeys.Count == 0 ? ExitCode.Success : ExitCode.Refused;
        });
        status.Arguments.Add(id);

        var config = new Command("config", "A VM's provisioning data: set, show, status");
        config.Subcommands.Add(set);
        config.Subcommands.Add(get);
        config.Subcommands.Add(status);
        return config;
    }
}
