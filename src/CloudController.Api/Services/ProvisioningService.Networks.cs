using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using System.Collections.Immutable;
using CloudController.Cluster.ReadModels;
using CloudController.Domain.Catalog;
using CloudController.Domain.Vms;
using Grpc.Core;
using DomainProvisioning = CloudController.Domain.Provisioning;

namespace CloudController.Api.Services;

/// <summary>Networks: a set of VMs with roles, names and addresses planned together.</summary>
public sealed partial class ProvisioningService
{
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
            var vm = VmRecord.ToProvision(vmId, ResourceIds.NewTaskId(), member.Hostname, staged.Name, hardware, DateTimeOffset.UtcNow) with
            {
                DiskLayout = settings.Provisioning.DiskLayout, Data = ProvisioningData.Empty.With(member.Data, []), Owner = owner,
            };
            records.Add(new Domain.Networks.NetworkMemberRecord(member, vm, staged.DiskImage, staged.Minimum.DiskGib));
        }
        return ToProto(await CreateWithinQuotaAsync(new Cluster.Networks.VmNetworkProtocol.CreateNetwork(request.Name.Trim(), records.ToImmutable()), owner, ct));
    }

    private async Task<Cluster.Networks.VmNetworkProtocol.NetworkStatus> CreateNetworkAsync(Cluster.Networks.VmNetworkProtocol.CreateNetwork create, CancellationToken ct) =>
        await actors.Ask(actors.Networks, create, ct) switch
        {
            // Another request of the same name won the race: its network answers, not this one.
            Cluster.Networks.VmNetworkProtocol.NetworkStatus s when s.Network.Members[0].VmId != create.Members[0].VmId =>
                throw RpcErrors.AlreadyExists($"a network named '{create.Network}' exists; choose another name"),
            Cluster.Networks.VmNetworkProtocol.NetworkStatus s => s,
            var other => throw RpcErrors.Unexpected(other),
        };

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
}
