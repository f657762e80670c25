using System.Threading.Channels;
using Akka.Actor;
using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.Mapping;
using CloudController.Api.V1;
using CloudController.Api.Watching;
using CloudController.Cluster.Fleet;
using System.Collections.Immutable;
using CloudController.Cluster.Catalog;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Access;
using CloudController.Domain.Catalog;
using CloudController.Domain.Sizing;
using CloudController.Domain.Templates;
using CloudController.Domain.Validation;
using CloudController.Domain.Placement;
using CloudController.Domain.Vms;
using Grpc.Core;
using static CloudController.Cluster.Catalog.ModelVmProtocol;
using static CloudController.Cluster.Provisioning.ProvisioningTaskProtocol;
using Domain = CloudController.Domain;
using DomainProvisioning = CloudController.Domain.Provisioning;

namespace CloudController.Api.Services;

public sealed class ProvisioningService(ControllerActors actors, ControllerSettings settings)
    : V1.Provisioning.ProvisioningBase
{
    private const string FindTasks = "use the task id that `ccm vm provision` printed";

    /// <summary>A bound that catches a mistyped count before it becomes hundreds of tasks.</summary>
    private const int MaxBulk = 500;

    public override async Task<ProvisionResponse> Provision(ProvisionRequest request, ServerCallContext context)
    {
        // Decided once for however many VMs the request makes.
        var owner = await AccessCheck.OwnerOfNewAsync(actors, context, request.Owner);
        return request.Count > 1 || request.IpRange.Length > 0
            ? await ProvisionManyAsync(request, owner, context)
            : await ProvisionOneAsync(request, owner, context);
    }

    private async Task<ProvisionResponse> ProvisionOneAsync(ProvisionRequest request, string? owner, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var hostname = request.Hostname?.Trim() ?? "";
        var overrides = request.Overrides.ToDomain();
        var model = request.Model?.Trim() ?? "";
        var os = request.Os?.Trim() ?? "";
        var instant = request.InstantImage?.Trim() ?? "";
        if (new[] { model, os, instant }.Count(x => x.Length > 0) > 1)
            throw RpcErrors.InvalidArgument("model", "a request names one of a model, an OS or an instant image",
                "use --model to clone, --os for a custom build, or --instant to resume an instant image");

        var (group, policy) = GroupOf(request);
        var data = DataOf(request);
        if (instant.Length > 0) return await DeployInstantAsync(instant, hostname, group, policy, data, owner, ct);
        var (template, hardware, apps) = os.Length > 0
            ? await PlanCustomBuildAsync(os, request, hostname, overrides, ct)
            : await PlanCloneAsync(new DomainProvisioning.ProvisionRequest(model, hostname, overrides), ct);

        var taskId = ResourceIds.NewTaskId();
        var vmId = ResourceIds.NewVmId();
        // Clones come from the staged model, never the model itself: the VM gets its own identity.
        var staged = Staging.Stage(template).Model;
        var minimumMemory = MinimumMemoryOf(request, hardware, template);
        var vm = new VmRecord(vmId, hostname, staged.Name, hardware, VmState.Provisioning,
            null, $"{vmId}-disk", taskId, DateTimeOffset.UtcNow, VmIdentity.Assign(hostname), group, policy,
            MinimumMemoryMib: minimumMemory, DiskLayout: settings.DiskLayout, Data: data,
            StoragePool: await StoragePoolOf(request, ct), StorageRole: string.IsNullOrWhiteSpace(request.StorageRole) ? null : request.StorageRole.Trim(),
            Owner: owner);

        // Fail fast when no host could ever take it (at its least memory); a host that fills up meanwhile is handled by the task.
        var placement = PlacementRequest.For(vm, staged.DiskImage);
        var least = placement with { Amount = placement.Amount with { MemoryMib = minimumMemory ?? hardware.MemoryMib } };
        var decision = await actors.FleetView.Ask<PlacementDecision>(new FleetViewProtocol.Place(least), actors.AskTimeout, ct);
        if (!decision.Found) throw RpcErrors.ResourceExhausted(PlacementExplanation.Explain(decision, least));

        var start = new StartTask(taskId, DomainProvisioning.TaskKind.Provision, vm, staged.DiskImage, staged.Minimum.DiskGib, apps);
        return await actors.Ask(actors.Tasks, start, ct) switch
        {
            TaskReport => new ProvisionResponse { TaskId = taskId, VmId = vmId },
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    /// <summary>
    /// Bulk scripting: names from the pattern and addresses from the range, none already used by a live VM, each VM
    /// provisioned as its own task with its name and address in its provisioning data.
    /// </summary>
    private async Task<ProvisionResponse> ProvisionManyAsync(ProvisionRequest request, string? owner, ServerCallContext context)
    {
        var count = Math.Max(1, request.Count);
        var errors = new List<FieldError>();
        if (count > MaxBulk) errors.Add(new FieldError("count", $"is {count}", $"provision at most {MaxBulk} VMs per request"));
        var text = request.Hostname?.Trim() ?? "";
        var (pattern, patternProblem) = Domain.Pools.NamePattern.Parse(text.Contains("{n") ? text : text + "-{n}");
        if (patternProblem is not null) errors.Add(new FieldError("hostname", $"the name pattern {patternProblem}", "use a host name with {n} for the number, e.g. web-{n:00}"));
        Domain.Networking.Ipv4Range? range = null;
        if (request.IpRange.Length > 0)
        {
            (range, var rangeProblem) = Domain.Networking.Ipv4Range.Parse(request.IpRange);
            if (rangeProblem is not null) errors.Add(new FieldError("ip_range", rangeProblem, "give first-last, e.g. 10.0.0.10-10.0.0.59, or a CIDR block"));
        }
        RequestGuard.ThrowIfAny(errors);

        var live = (IReadOnlyList<VmRecord>)await actors.Ask(actors.VmDirectory, new ProjectionQuery<VmDirectory>(d => d.List(null)), context.CancellationToken);
        var usedNames = live.Select(v => v.Hostname).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var usedIps = live.Select(v => v.DataOrEmpty.Values.GetValueOrDefault("ip")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var names = Enumerable.Range(1, count + usedNames.Count).Select(n => pattern!.NameFor(n)).Where(n => !usedNames.Contains(n)).Take(count).ToList();
        var ips = new List<string>();
        if (range is not null)
        {
            for (var address = range.First; ips.Count < count; address++)
            {
                var ip = Domain.Networking.Ipv4Range.Format(address);
                if (!usedIps.Contains(ip)) ips.Add(ip);
                if (address == range.Last) break;
            }
            if (ips.Count < count)
                throw RpcErrors.InvalidArgument("ip_range", $"{request.IpRange} has {ips.Count} addresses no live VM uses, {count} are needed", "widen the range or lower count");
        }

        var response = new ProvisionResponse();
        for (var i = 0; i < count; i++)
        {
            var one = request.Clone();
            one.Count = 0;
            one.IpRange = "";
            one.Hostname = names[i];
            one.Data["hostname"] = names[i];
            if (ips.Count > 0) one.Data["ip"] = ips[i];
            var started = await ProvisionOneAsync(one, owner, context);
            response.Vms.Add(new ProvisionedVm { TaskId = started.TaskId, VmId = started.VmId, Hostname = names[i], Ip = ips.Count > 0 ? ips[i] : "" });
        }
        response.TaskId = response.Vms[0].TaskId;
        response.VmId = response.Vms[0].VmId;
        return response;
    }

    /// <summary>The storage pool the request names, checked to exist; null when it names none.</summary>
    private async Task<string?> StoragePoolOf(ProvisionRequest request, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.StoragePool)) return null;
        var pool = request.StoragePool.Trim();
        var table = ((Cluster.Storage.StorageProtocol.TableStatus)await actors.Ask(actors.Storage, new Cluster.Storage.StorageProtocol.GetTable(), ct)).Table;
        return table.Pools.ContainsKey(pool)
            ? pool
            : throw RpcErrors.InvalidArgument("storage_pool", $"there is no storage pool '{HostnameRules.Printable(pool)}'", "list them with `ccm storage pools`");
    }

    /// <summary>The request's provisioning data as the VM's first generation, checked like any change; null when none.</summary>
    private static ProvisioningData? DataOf(ProvisionRequest request)
    {
        if (request.Data.Count == 0) return null;
        var set = request.Data.ToDictionary(d => d.Key, d => d.Value);
        RequestGuard.ThrowIfAny(ProvisioningDataValidator.Validate(ProvisioningData.Empty, set, []));
        return ProvisioningData.Empty.With(set, []);
    }

    /// <summary>Instant deploy: the library's suspended image copied to a host of its hardware class and resumed.</summary>
    private async Task<ProvisionResponse> DeployInstantAsync(
        string name, string hostname, string? group, GroupPolicy policy, ProvisioningData? data, string? owner, CancellationToken ct)
    {
        if (HostnameRules.NameProblem(hostname) is { } problem)
            throw RpcErrors.InvalidArgument("hostname", $"'{HostnameRules.Printable(hostname)}' {problem}", "use letters, digits and '-', e.g. 'web-01'");
        var image = RequestGuard.IsPlausibleId(name)
            ? await actors.Ask(actors.InstantImages, new InstantImageProtocol.GetImage(name), ct) switch
            {
                InstantImageProtocol.ImageStatus s => s.Image,
                InstantImageProtocol.ImageNotFound => null,
                var other => throw RpcErrors.Unexpected(other),
            }
            : null;
        if (image is null)
            throw RpcErrors.InvalidArgument("instant_image", $"no instant image named '{HostnameRules.Printable(name)}'", "list the library with `ccm instant list`");

        var taskId = ResourceIds.NewTaskId();
        var vmId = ResourceIds.NewVmId();
        var vm = new VmRecord(vmId, hostname, image.Model, image.Hardware, VmState.Provisioning,
            null, $"{vmId}-disk", taskId, DateTimeOffset.UtcNow, VmIdentity.Assign(hostname), group, policy, Data: data, Owner: owner);
        var placement = PlacementRequest.For(vm, image.BaseImage, image);
        var decision = await actors.FleetView.Ask<PlacementDecision>(new FleetViewProtocol.Place(placement), actors.AskTimeout, ct);
        if (!decision.Found) throw RpcErrors.ResourceExhausted(PlacementExplanation.Explain(decision, placement));

        var start = new StartTask(taskId, DomainProvisioning.TaskKind.InstantDeploy, vm, image.BaseImage, image.BaseImageGib, Instant: image);
        return await actors.Ask(actors.Tasks, start, ct) switch
        {
            TaskReport => new ProvisionResponse { TaskId = taskId, VmId = vmId },
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<Network> ProvisionNetwork(ProvisionNetworkRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var members = request.Members.Select(m => new Domain.Networks.NetworkMember(m.Role?.Trim() ?? "", m.Model?.Trim() ?? "",
            string.IsNullOrWhiteSpace(m.Hostname) ? null : m.Hostname.Trim(), m.Data.ToImmutableSortedDictionary(StringComparer.Ordinal))).ToImmutableArray();
        var live = (IReadOnlyList<VmRecord>)await actors.Ask(actors.VmDirectory, new ProjectionQuery<VmDirectory>(d => d.List(null)), ct);
        var (planned, errors) = Domain.Networks.NetworkPlanner.Plan(
            new Domain.Networks.NetworkRequest(request.Name?.Trim() ?? "", request.Domain?.Trim() ?? "", request.IpRange ?? "", members),
            live.Select(v => v.DataOrEmpty.Values.GetValueOrDefault("ip")).OfType<string>().ToHashSet(StringComparer.Ordinal),
            live.Select(v => v.Hostname).ToHashSet(StringComparer.OrdinalIgnoreCase));
        RequestGuard.ThrowIfAny(errors);
        var owner = await AccessCheck.OwnerOfNewAsync(actors, context, request.Owner);
        if (await actors.Ask(actors.Networks, new Cluster.Networks.VmNetworkProtocol.GetNetwork(request.Name!.Trim()), ct) is Cluster.Networks.VmNetworkProtocol.NetworkStatus)
            throw RpcErrors.AlreadyExists($"a network named '{request.Name.Trim()}' exists; choose another name");

        var records = ImmutableArray.CreateBuilder<Domain.Networks.NetworkMemberRecord>();
        for (var i = 0; i < planned.Length; i++)
        {
            var member = planned[i];
            var dataErrors = ProvisioningDataValidator.Validate(ProvisioningData.Empty, member.Data, [])
                .Select(e => e with { Field = $"members[{i}].{e.Field}" }).ToList();
            RequestGuard.ThrowIfAny(dataErrors);
            var (template, hardware, _) = await PlanCloneAsync(new DomainProvisioning.ProvisionRequest(member.Model, member.Hostname, Domain.Provisioning.HardwareOverrides.None), ct);
            var staged = Staging.Stage(template).Model;
            var vmId = ResourceIds.NewVmId();
            var vm = new VmRecord(vmId, member.Hostname, staged.Name, hardware, VmState.Provisioning, null, $"{vmId}-disk", ResourceIds.NewTaskId(),
                DateTimeOffset.UtcNow, VmIdentity.Assign(member.Hostname), DiskLayout: settings.DiskLayout, Data: ProvisioningData.Empty.With(member.Data, []),
                Owner: owner);
            records.Add(new Domain.Networks.NetworkMemberRecord(member, vm, staged.DiskImage, staged.Minimum.DiskGib));
        }
        return await actors.Ask(actors.Networks, new Cluster.Networks.VmNetworkProtocol.CreateNetwork(request.Name.Trim(), records.ToImmutable()), ct) switch
        {
            Cluster.Networks.VmNetworkProtocol.NetworkStatus s => ToProto(s),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override async Task<Network> GetNetwork(GetNetworkRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", "name the network");
        var status = await actors.Ask(actors.Networks, new Cluster.Networks.VmNetworkProtocol.GetNetwork(name), context.CancellationToken) switch
        {
            Cluster.Networks.VmNetworkProtocol.NetworkStatus s => s,
            Cluster.Networks.VmNetworkProtocol.NetworkNotFound => throw RpcErrors.NotFound($"no network '{name}'"),
            var other => throw RpcErrors.Unexpected(other),
        };
        // A network's VMs all have its owner.
        AccessCheck.DemandOwnership(context, status.Network.Members.FirstOrDefault()?.Vm.Owner, $"network {name}");
        return ToProto(status);
    }

    private static Network ToProto(Cluster.Networks.VmNetworkProtocol.NetworkStatus s)
    {
        var network = new Network { Name = s.Network.Name, Phase = s.Network.Phase.ToString(), Failure = s.Network.Failure ?? "" };
        network.Members.AddRange(s.Network.Members.Select(m =>
        {
            var member = new V1.NetworkMember
            {
                Role = m.Plan.Role, VmId = m.VmId, TaskId = m.TaskId, Hostname = m.Plan.Hostname, Ip = m.Plan.Ip,
                State = s.TaskStates.GetValueOrDefault(m.Plan.Role, "starting"),
            };
            member.Data.Add(m.Vm.DataOrEmpty.Masked());
            return member;
        }));
        return network;
    }

    /// <summary>The request's memory floor, checked against what it desires and what its model runs on.</summary>
    private static long? MinimumMemoryOf(ProvisionRequest request, Domain.Resources desired, Domain.Catalog.ModelVm template)
    {
        if (!request.HasMinMemoryMib) return null;
        var minimum = request.MinMemoryMib;
        if (minimum > desired.MemoryMib)
            throw RpcErrors.InvalidArgument("min_memory_mib", $"{minimum} MiB is above the desired {desired.MemoryMib} MiB",
                $"use at most {desired.MemoryMib}, or raise the desired memory");
        if (minimum < template.Minimum.MemoryMib)
            throw RpcErrors.InvalidArgument("min_memory_mib", $"{minimum} MiB is below model '{template.Name}' minimum of {template.Minimum.MemoryMib} MiB",
                $"--min-memory {template.Minimum.MemoryMib} would fit");
        return minimum;
    }

    private static (string? Group, GroupPolicy Policy) GroupOf(ProvisionRequest request)
    {
        var group = request.Group?.Trim() ?? "";
        var policy = (request.GroupPolicy?.Trim().ToLowerInvariant() ?? "") switch
        {
            "" => GroupPolicy.None,
            "affinity" => GroupPolicy.Affinity,
            "anti-affinity" => GroupPolicy.AntiAffinity,
            var other => throw RpcErrors.InvalidArgument("group_policy", $"'{HostnameRules.Printable(other)}' is not a policy", "use affinity or anti-affinity"),
        };
        if (group.Length == 0)
        {
            return policy == GroupPolicy.None
                ? (null, policy)
                : throw RpcErrors.InvalidArgument("group", "is required with a group policy", "name the group, e.g. web-tier");
        }
        if (HostnameRules.LabelProblem(group) is { } problem)
            throw RpcErrors.InvalidArgument("group", $"'{HostnameRules.Printable(group)}' {problem}", "use letters, digits and '-'");
        return (group, policy);
    }

    private async Task<(Domain.Catalog.ModelVm, Domain.Resources, ImmutableList<DomainProvisioning.AppInstall>?)> PlanCloneAsync(
        DomainProvisioning.ProvisionRequest request, CancellationToken ct)
    {
        Domain.Catalog.ModelVm? model = null;
        if (request.Model.Length > 0 && RequestGuard.IsPlausibleId(request.Model))
        {
            model = await actors.Ask(actors.Models, new GetModel(request.Model), ct) switch
            {
                ModelStatus s => s.Model,
                ModelNotFound => null,
                var other => throw RpcErrors.Unexpected(other),
            };
        }
        RequestGuard.ThrowIfAny(DomainProvisioning.ProvisionRequestValidator.Validate(request, model));
        return (model!, request.Overrides.ApplyTo(model!.Hardware), null);
    }

    /// <summary>
    /// A custom build: checked against the OS and app catalog (every problem, with the request that would pass),
    /// then the closest staged VM of the OS family is cloned and the apps it lacks are installed at deploy, each
    /// from its answer file filled with the requester's values.
    /// </summary>
    private async Task<(Domain.Catalog.ModelVm, Domain.Resources, ImmutableList<DomainProvisioning.AppInstall>?)> PlanCustomBuildAsync(
        string os, ProvisionRequest request, string hostname, DomainProvisioning.HardwareOverrides overrides, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (HostnameRules.NameProblem(hostname) is { } problem)
            errors.Add(new FieldError("hostname", $"'{HostnameRules.Printable(hostname)}' {problem}", "use letters, digits and '-', e.g. 'web-01'"));

        var appNames = request.Apps.Select(a => a.Trim()).ToImmutableArray();
        var catalog = await actors.SoftwareCatalogAsync(ct);
        var catalogOs = catalog.Os(os);
        var recommended = catalogOs is null
            ? Domain.Resources.Zero
            : SizingRequirement.For(catalogOs, appNames.Select(catalog.App).OfType<AppDefinition>().Where(a => a.RunsOnOs(catalogOs)).ToList()).Recommended;
        var hardware = overrides.ApplyTo(recommended);
        var report = SizingAdvisor.Check(new CustomBuildRequest(os, appNames, hardware), catalog);
        errors.AddRange(report.Errors.Select(e => e.Field.StartsWith("hardware.", StringComparison.Ordinal)
            ? e with { Field = "overrides." + e.Field["hardware.".Length..] }
            : e));
        RequestGuard.ThrowIfAny(errors);

        var staged = (IReadOnlyList<Domain.Catalog.ModelVm>)await actors.Ask(
            actors.ModelDirectory, new ProjectionQuery<ModelDirectory>(d => d.List()), ct);
        var match = TemplateMatcher.BestMatch(catalogOs!, appNames, hardware, staged, catalog)
                    ?? throw RpcErrors.FailedPrecondition(
                        $"no staged VM of the {catalogOs!.Family} family to build from; add one with `ccm models add --os {os} ...`");

        var installs = ImmutableList.CreateBuilder<DomainProvisioning.AppInstall>();
        foreach (var app in match.MissingApps.Select(name => catalog.App(name)!))
        {
            var prefix = app.Name + ".";
            var answers = request.Answers.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToImmutableDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            var rendered = app.AnswerFile?.Render(answers);
            if (rendered is { Text: null })
                errors.AddRange(rendered.Errors.Select(e => e with { Field = $"answers.{app.Name}.{e.Field["answers.".Length..]}" }));
            installs.Add(new DomainProvisioning.AppInstall(app.Name, app.AnswerFile, answers));
        }
        var installed = match.MissingApps.Select(a => a + ".").ToList();
        foreach (var key in request.Answers.Keys.Where(k => !installed.Any(p => k.StartsWith(p, StringComparison.Ordinal))))
            errors.Add(new FieldError($"answers.{key}", "answers no app installed at deploy",
                $"the deploy installs {(installed.Count == 0 ? "nothing" : string.Join(", ", match.MissingApps))}; drop it"));
        RequestGuard.ThrowIfAny(errors);
        return (match.Template, hardware, installs.ToImmutable());
    }

    public override async Task<V1.TaskStatus> GetTask(GetTaskRequest request, ServerCallContext context) =>
        (await GetOwnTaskAsync(RequestGuard.Id(request.TaskId, "task_id", FindTasks), context)).ToProto();

    /// <summary>The task, if its VM is the caller's to see and act on.</summary>
    private async Task<DomainProvisioning.ProvisioningTask> GetOwnTaskAsync(string id, ServerCallContext context)
    {
        var task = await actors.Ask(actors.Tasks, new GetTask(id), context.CancellationToken) switch
        {
            TaskReport s => s.Task,
            TaskNotFound => throw RpcErrors.NotFound($"no task '{id}'"),
            var other => throw RpcErrors.Unexpected(other),
        };
        AccessCheck.DemandOwnership(context, task.Vm.Owner, $"task {id}");
        return task;
    }

    public override async Task WatchTask(WatchTaskRequest request, IServerStreamWriter<V1.TaskStatus> responseStream, ServerCallContext context)
    {
        var id = RequestGuard.Id(request.TaskId, "task_id", FindTasks);
        if (!AccessCheck.SeesEverything(context)) await GetOwnTaskAsync(id, context);
        var channel = Channel.CreateUnbounded<DomainProvisioning.ProvisioningTask>(new UnboundedChannelOptions { SingleReader = true });
        var watcher = actors.System.ActorOf(TaskWatcher.Props(id, actors.Tasks, channel.Writer, TimeSpan.FromSeconds(2)));
        try
        {
            await foreach (var task in channel.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(task.ToProto(), context.CancellationToken);
            }
        }
        catch (KeyNotFoundException)
        {
            throw RpcErrors.NotFound($"no task '{id}'");
        }
        finally
        {
            actors.System.Stop(watcher);
        }
    }

    public override async Task<V1.TaskStatus> AbortTask(AbortTaskRequest request, ServerCallContext context)
    {
        var id = RequestGuard.Id(request.TaskId, "task_id", FindTasks);
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? "requested by operator" : request.Reason.Trim();
        if (reason.Length > 500) throw RpcErrors.InvalidArgument("reason", $"is {reason.Length} characters long", "keep it under 500 characters");
        if (!AccessCheck.SeesEverything(context)) await GetOwnTaskAsync(id, context);
        return await actors.Ask(actors.Tasks, new AbortTask(id, reason), context.CancellationToken) switch
        {
            TaskReport s => s.Task.ToProto(),
            AbortRefused r => throw RpcErrors.FailedPrecondition($"task {id} cannot be aborted: {r.Reason}"),
            TaskNotFound => throw RpcErrors.NotFound($"no task '{id}'"),
            var other => throw RpcErrors.Unexpected(other),
        };
    }
}
