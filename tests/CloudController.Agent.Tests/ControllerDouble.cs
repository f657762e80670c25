using CloudController.Api.V1;
using CloudController.FirstBoot;
using Grpc.Core;

namespace CloudController.Agent.Tests;

/// <summary>
/// The controller's Activation service as the agent sees it, in process: seals a real bundle for the agent's key and
/// hands it through <see cref="Tamper"/>, counting the tokens spent and the failures reported.
/// </summary>
public sealed class ControllerDouble(FirstBootSet set, ControllerAuthority authority) : CallInvoker
{
    public Func<byte[], byte[]> Tamper { get; set; } = bytes => bytes;

    public int Spent { get; private set; }

    public List<string> Reports { get; } = [];

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        object reply = request switch
        {
            ActivateRequest a => Activate(a),
            ReportFailureRequest r => Report(r),
            _ => throw new NotSupportedException(method.FullName),
        };
        return new AsyncUnaryCall<TResponse>(Task.FromResult((TResponse)reply), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    private ActivateResponse Activate(ActivateRequest request)
    {
        Spent++;
        var bundle = BundleSealer.Seal(set, new ActivationRequest(request.Token, request.Hostname, request.Ip, request.AgentPublicKey.ToByteArray()), authority);
        return new ActivateResponse { Bundle = Google.Protobuf.ByteString.CopyFrom(Tamper(bundle.ToBytes())) };
    }

    private ReportFailureResponse Report(ReportFailureRequest request)
    {
        Reports.Add(request.Reason);
        return new ReportFailureResponse();
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException(method.FullName);

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException(method.FullName);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException(method.FullName);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException(method.FullName);
}
