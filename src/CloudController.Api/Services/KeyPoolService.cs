using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.KeyPool;
using CloudController.Cluster.Vms;
using Grpc.Core;
using static CloudController.Cluster.KeyPool.KeyPoolProtocol;

namespace CloudController.Api.Services;

public sealed class KeyPoolService(ControllerActors actors, ControllerSecrets secrets) : V1.KeyPool.KeyPoolBase
{
    public override async Task<V1.KeyPoolStatus> GetKeyPoolStatus(GetKeyPoolStatusRequest request, ServerCallContext context) =>
        await actors.Ask(actors.KeyPools, new GetStatus(DefaultPool), context.CancellationToken) switch
        {
            KeyPoolProtocol.KeyPoolStatus s => new V1.KeyPoolStatus
            {
                Available = s.Available, Target = s.Target, LowWater = s.LowWater, HighWater = s.HighWater, Generating = s.Generating,
                GeneratedTotal = s.GeneratedTotal, HandedOutTotal = s.HandedOutTotal, TokensOutstanding = s.TokensOutstanding,
                RefillPerSecond = s.RefillPerSecond, HandOutsPerSecond = s.HandOutsPerSecond, SecondsToEmpty = s.SecondsToEmpty ?? 0,
                FailuresReported = s.FailuresReported, LastFailure = s.LastFailure ?? "",
            },
            var other => throw RpcErrors.Unexpected(other),
        };

    public override async Task<IssueActivationTokenResponse> IssueActivationToken(IssueActivationTokenRequest request, ServerCallContext context)
    {
        var vmId = RequestGuard.Id(request.VmId, "vmId", "name the VM the token is for");
        if (Domain.Validation.HostnameRules.NameProblem(request.Hostname ?? "") is { } problem)
            throw RpcErrors.InvalidArgument("hostname", $"the host name {problem}", "give the host name the VM's agent will present");
        if ((request.Ip ?? "").Length > 0 && !System.Net.IPAddress.TryParse(request.Ip, out _))
            throw RpcErrors.InvalidArgument("ip", "is not an IP address", "give the address the VM's agent will present, or nothing");
        if (!AccessCheck.SeesEverything(context))
        {
            // A token spends a key set: others may ask one only for a VM of theirs.
            var vm = await actors.Ask(actors.Vms, new VmProtocol.GetVm(vmId), context.CancellationToken) switch
            {
                VmProtocol.VmStatus s => s.Record,
                VmProtocol.VmNotFound => throw RpcErrors.NotFound($"no VM '{vmId}'; list yours with `ccm vm list`"),
                var other => throw RpcErrors.Unexpected(other),
            };
            AccessCheck.DemandOwnership(context, vm.Owner, $"VM {vmId}");
        }
        var issue = new IssueTokens(DefaultPool, [new TokenRequest(vmId, request.Hostname!, request.Ip ?? "")]);
        return await actors.Ask(actors.KeyPools, issue, context.CancellationToken) switch
        {
            TokensGranted g => new IssueActivationTokenResponse { Token = g.Tokens[vmId] },
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    public override Task<ControllerKey> GetControllerKey(GetControllerKeyRequest request, ServerCallContext context) =>
        Task.FromResult(new ControllerKey
        {
            PublicKey = Google.Protobuf.ByteString.CopyFrom(secrets.Authority.PublicKey),
            CaCertificate = Google.Protobuf.ByteString.CopyFrom(secrets.Authority.Certificate.GetEncoded()),
        });
}
