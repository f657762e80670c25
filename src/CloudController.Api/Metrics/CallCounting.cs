using CloudController.Cluster.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CloudController.Api.Metrics;

/// <summary>Counts every API call by method and the status it was answered with. Outermost, so that it sees the final status.</summary>
public sealed class CallCounting : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        await Counted(context, () => continuation(request, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Counted(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        await Counted(context, () => continuation(requestStream, context));

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Counted(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private static async Task<T> Counted<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var method = context.Method.TrimStart('/').Replace("cloudcontroller.v1.", "");
        try
        {
            var result = await call();
            ControllerMetrics.GrpcCalls.WithLabels(method, context.Status.StatusCode.ToString()).Inc();
            return result;
        }
        catch (RpcException e)
        {
            ControllerMetrics.GrpcCalls.WithLabels(method, e.StatusCode.ToString()).Inc();
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            ControllerMetrics.GrpcCalls.WithLabels(method, StatusCode.Cancelled.ToString()).Inc();
            throw;
        }
        catch
        {
            ControllerMetrics.GrpcCalls.WithLabels(method, StatusCode.Unknown.ToString()).Inc();
            throw;
        }
    }
}
