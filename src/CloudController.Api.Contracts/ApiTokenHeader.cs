using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CloudController.Api.V1;

/// <summary>How a caller presents its API token, part of the contract: "authorization: Bearer &lt;token&gt;" on every call.</summary>
public static class ApiTokenHeader
{
    public const string Name = "authorization";

    public const string Scheme = "Bearer ";

    /// <summary>The invoker with the token added to every call it makes.</summary>
    public static CallInvoker WithToken(this CallInvoker invoker, string token) => invoker.Intercept(metadata =>
    {
        metadata.Add(Name, Scheme + token);
        return metadata;
    });
}
