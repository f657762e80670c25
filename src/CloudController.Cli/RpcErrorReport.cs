using Google.Rpc;
using Grpc.Core;

namespace CloudController.Cli;

/// <summary>Explains a failed call on stderr in terms of what to do next, and picks the exit code.</summary>
public static class RpcErrorReport
{
    public static ExitCode Write(RpcException error, CcmSession session)
    {
        var errors = session.Errors;
        if (Inner<System.Security.Authentication.AuthenticationException>(error.Status.DebugException) is { } tls)
        {
            errors.WriteLine($"The node at {session.Endpoint} could not be trusted: {tls.Message}");
            errors.WriteLine("If its certificate comes from a private CA, give that CA with --ca-file or CCM_CA_FILE.");
            return ExitCode.Unreachable;
        }
        switch (error.StatusCode)
        {
            case StatusCode.InvalidArgument:
                var violations = error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations;
                if (violations is { Count: > 0 })
                {
                    errors.WriteLine(violations.Count == 1 ? "The request has a problem:" : $"The request has {violations.Count} problems:");
                    foreach (var v in violations) errors.WriteLine($"  {v.Field}: {v.Description}");
                }
                else
                {
                    errors.WriteLine($"The request is invalid: {error.Status.Detail}");
                }
                return ExitCode.Usage;
            case StatusCode.NotFound:
                errors.WriteLine($"Not found: {error.Status.Detail}");
                return ExitCode.NotFound;
            case StatusCode.ResourceExhausted when error.Status.Detail.StartsWith("quota ", StringComparison.Ordinal):
                errors.WriteLine($"Over quota: {error.Status.Detail}");
                return ExitCode.Refused;
            case StatusCode.ResourceExhausted:
                errors.WriteLine($"No room: {error.Status.Detail}");
                errors.WriteLine("Ask for less, free capacity (`ccm vm delete`), or add hosts.");
                return ExitCode.NoCapacity;
            case StatusCode.Unavailable when error.Status.DebugException is null:
                // The node itself answered: it is up but cannot serve yet (e.g. its cluster is still forming).
                errors.WriteLine($"The node at {session.Endpoint} is up but unavailable: {error.Status.Detail}");
                errors.WriteLine("Try again in a moment.");
                return ExitCode.Unreachable;
            case StatusCode.Internal when error.Status.DebugException is not null:
                // Failed in this client's transport, not in the node: whatever is listening does not speak gRPC
                // the way ccm asked (most often TLS on one side only), so the connection broke mid-handshake.
                errors.WriteLine($"The node at {session.Endpoint} did not answer as a gRPC server ({error.Status.Detail}).");
                errors.WriteLine(session.Endpoint.Scheme == Uri.UriSchemeHttp
                    ? "If the node serves TLS, use an https:// endpoint."
                    : "If the node serves plain HTTP/2, use an http:// endpoint.");
                return ExitCode.Unreachable;
            case StatusCode.Unavailable:
            case StatusCode.DeadlineExceeded:
                errors.WriteLine($"The node at {session.Endpoint} is not reachable or did not answer ({error.Status.Detail}).");
                errors.WriteLine("Start one with `dotnet run --project src/CloudController.Node`, or point ccm at yours with --endpoint or CCM_ENDPOINT.");
                return ExitCode.Unreachable;
            case StatusCode.Unauthenticated:
                errors.WriteLine($"Not accepted: {error.Status.Detail}");
                errors.WriteLine("An administrator makes tokens with `ccm user create NAME --role ROLE`; the first one is in the node's secrets directory (admin.token).");
                return ExitCode.Refused;
            case StatusCode.FailedPrecondition:
            case StatusCode.AlreadyExists:
            case StatusCode.PermissionDenied:
                errors.WriteLine($"Refused: {error.Status.Detail}");
                return ExitCode.Refused;
            default:
                errors.WriteLine($"The node answered {error.StatusCode}: {error.Status.Detail}");
                return ExitCode.Refused;
        }
    }

    private static T? Inner<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
        }
        return null;
    }
}
