using Akka.Actor;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CloudController.Api.Errors;

/// <summary>Turns a cluster that does not answer in time into Unavailable, so clients know a retry may work.</summary>
public sealed class ClusterErrorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (AskTimeoutException)
        {
            throw RpcErrors.Unavailable("the cluster did not answer in time; retry, or check the node's log");
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (AskTimeoutException)
        {
            throw RpcErrors.Unavailable("the cluster did not answer in time; retry, or check the node's log");
        }
    }
}
