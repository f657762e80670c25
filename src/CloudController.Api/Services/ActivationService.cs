using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.FirstBoot;
using Grpc.Core;
using static CloudController.Cluster.KeyPool.KeyPoolProtocol;

namespace CloudController.Api.Services;

/// <summary>The activation agents' door: one hand-out per token.</summary>
public sealed class ActivationService(ControllerActors actors) : V1.Activation.ActivationBase
{
    private const int MaxToken = 128;

    public override async Task<ActivateResponse> Activate(ActivateRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.Validation.FieldError>();
        if (string.IsNullOrEmpty(request.Token) || request.Token.Length > MaxToken)
            errors.Add(new("token", "is missing or too long", "send the activation token from the VM's provisioning data"));
        if (Domain.Validation.HostnameRules.NameProblem(request.Hostname ?? "") is { } name)
            errors.Add(new("hostname", $"the host name {name}", "send the VM's host name"));
        if ((request.Ip ?? "").Length > 0 && !System.Net.IPAddress.TryParse(request.Ip, out _))
            errors.Add(new("ip", $"'{Domain.Validation.HostnameRules.Printable(request.Ip!)}' is not an IP address", "send the VM's address, or nothing"));
        if (request.AgentPublicKey.Length != 32)
            errors.Add(new("agentPublicKey", $"is {request.AgentPublicKey.Length} bytes", "send a fresh X25519 public key, 32 bytes"));
        RequestGuard.ThrowIfAny(errors);

        var activate = new Activate(DefaultPool, new ActivationRequest(request.Token!, request.Hostname!, request.Ip ?? "", request.AgentPublicKey.ToByteArray()));
        return await actors.Ask(actors.KeyPools, activate, context.CancellationToken) switch
        {
            Activated a => new ActivateResponse { Bundle = Google.Protobuf.ByteString.CopyFrom(a.Bundle) },
            ActivationRefused r => throw RpcErrors.FailedPrecondition(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
    }

    /// <summary>Only an agent that holds a token this controller issued may report: its token is the credential.</summary>
    public override async Task<ReportFailureResponse> ReportFailure(ReportFailureRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Token) || request.Token.Length > MaxToken)
            throw RpcErrors.InvalidArgument("token", "is missing or too long", "send the activation token from the VM's provisioning data");
        var hostname = Domain.Validation.HostnameRules.Printable(request.Hostname ?? "", 253);
        var reason = Domain.Validation.HostnameRules.Printable(request.Reason ?? "", 500);
        return await actors.Ask(actors.KeyPools, new ReportFailure(DefaultPool, ActivationToken.Hash(request.Token), hostname, reason), context.CancellationToken) switch
        {
            FailureRecorded => new ReportFailureResponse(),
            ActivationRefused r => throw RpcErrors.PermissionDenied(r.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };
    }
}
