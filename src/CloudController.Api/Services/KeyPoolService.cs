using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Cluster.Hosting;
using CloudController.Cluster.KeyPool;
using CloudController.Cluster.Vms;
using CloudController.Domain.KeyPool;
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
        var hostname = request.Hostname ?? "";
        var ip = request.Ip ?? "";
        if (hostname.Length > 0 && Domain.Validation.HostnameRules.NameProblem(hostname) is { } problem)
            throw RpcErrors.InvalidArgument("hostname", $"the host name {problem}", "give the VM's host name, or nothing to take it from the VM's record");
        if (ip.Length > 0 && !System.Net.IPAddress.TryParse(ip, out _))
            throw RpcErrors.InvalidArgument("ip", "is not an IP address", "give the VM's address, or nothing to take it from the VM's record");
        var subject = await SubjectAsync(vmId, hostname, ip, context);
        var issue = new IssueTokens(DefaultPool, [new TokenRequest(vmId, subject.Hostname, subject.Ip)]);
        return await actors.Ask(actors.KeyPools, issue, context.CancellationToken) switch
        {
            TokensGranted g => new IssueActivationTokenResponse { Token = g.Tokens[vmId] },
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    /// <summary>
    /// The certificate's name and address: a known VM's record's (a token spends a key set, so only for a VM of the
    /// caller's); the request's only for a VM the controller does not know (made by hand), and only for an administrator.
    /// </summary>
    private async Task<CertificateSubject> SubjectAsync(string vmId, string hostname, string ip, ServerCallContext context)
    {
        var vm = await actors.Ask(actors.Vms, new VmProtocol.GetVm(vmId), context.CancellationToken) switch
        {
            VmProtocol.VmStatus s => s.Record,
            VmProtocol.VmNotFound => null,
            var other => throw RpcErrors.Unexpected(other),
        };
        if (vm is null)
        {
            if (!AccessCheck.SeesEverything(context)) throw RpcErrors.NotFound($"no VM '{vmId}'; list yours with `ccm vm list`");
            if (hostname.Length == 0)
                throw RpcErrors.InvalidArgument("hostname", $"is empty and the controller knows no VM '{vmId}'", "give the host name of the VM made outside the controller");
            return new CertificateSubject(hostname, ip);
        }
        AccessCheck.DemandOwnership(context, vm.Owner, $"VM {vmId}");
        var (subject, errors) = CertificateSubject.For(vm, hostname, ip);
        RequestGuard.ThrowIfAny(errors);
        return subject;
    }

    public override Task<ControllerKey> GetControllerKey(GetControllerKeyRequest request, ServerCallContext context) =>
        Task.FromResult(new ControllerKey
        {
            PublicKey = Google.Protobuf.ByteString.CopyFrom(secrets.Authority.PublicKey),
            CaCertificate = Google.Protobuf.ByteString.CopyFrom(secrets.Authority.Certificate.GetEncoded()),
        });
}
