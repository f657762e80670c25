using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents;
using CloudController.Hypervisor.Agents.V1;
using Grpc.Core;

namespace CloudController.HostAgent;

/// <summary>The host agent protocol over this machine's driver: each request's protocol version checked first.</summary>
public sealed class HostAgentService(string agentName, IHypervisorDriver driver, MachineStatus machine, TimeSpan statusInterval)
    : CloudController.Hypervisor.Agents.V1.HostAgent.HostAgentBase
{
    public override Task<HelloReply> Hello(HelloRequest request, ServerCallContext context)
    {
        Check(request.ProtocolVersion);
        return Task.FromResult(new HelloReply
        {
            ProtocolVersion = AgentProtocol.Version, AgentName = agentName, DriverName = driver.Name, Capabilities = (uint)driver.Capabilities,
        });
    }

    public override async Task<DriverReply> Invoke(DriverRequest request, ServerCallContext context)
    {
        Check(request.ProtocolVersion);
        try
        {
            var (result, refused) = await DriverCall.InvokeAsync(driver, request.Operation, request.ArgumentsJson, context.CancellationToken);
            return refused is null
                ? new DriverReply { ResultJson = result ?? "" }
                : new DriverReply { Refused = new Refusal { Operation = refused.Operation.ToString(), HostId = refused.HostId, Reason = refused.Reason } };
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
    }

    public override async Task WatchStatus(WatchStatusRequest request, IServerStreamWriter<AgentStatus> responseStream, ServerCallContext context)
    {
        Check(request.ProtocolVersion);
        var interval = request.IntervalMs > 0 ? TimeSpan.FromMilliseconds(request.IntervalMs) : statusInterval;
        var ct = context.CancellationToken;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await responseStream.WriteAsync(await machine.MeasureAsync(ct), ct);
                await Task.Delay(interval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The caller hung up.
        }
    }

    private static void Check(uint protocolVersion)
    {
        if (AgentProtocol.Refusal(protocolVersion) is { } refusal) throw refusal;
    }
}
