using CloudController.Domain.Validation;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace CloudController.Api.Errors;

/// <summary>
/// The errors the API answers with. Invalid requests carry a google.rpc.BadRequest listing every field at fault and
/// its fix, so that clients (and ccm) can show them all at once.
/// </summary>
public static class RpcErrors
{
    /// <summary>
    /// Messages travel in HTTP/2 trailers, which clients cap (64 KiB by default): one that quotes a huge input whole
    /// would fault the connection and every call on it. Whatever a message quotes, it is cut here.
    /// </summary>
    private const int MaxMessage = 1000;

    private static string Bounded(string message) => message.Length <= MaxMessage ? message : message[..MaxMessage] + "…";

    public static RpcException InvalidArgument(IReadOnlyCollection<FieldError> errors)
    {
        var badRequest = new BadRequest();
        foreach (var e in errors)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation
            {
                Field = Bounded(e.Field),
                Description = Bounded(e.Description),
            });
        }
        var summary = errors.Count == 1 ? errors.First().ToString() : $"{errors.Count} problems: " +
            string.Join("; ", errors.Select(e => $"{e.Field}: {e.Problem}"));
        return Rich(Code.InvalidArgument, Bounded(summary), Any.Pack(badRequest));
    }

    public static RpcException InvalidArgument(string field, string problem, string fix) =>
        InvalidArgument([new FieldError(field, problem, fix)]);

    public static RpcException NotFound(string what) => new(new Grpc.Core.Status(StatusCode.NotFound, Bounded(what)));

    public static RpcException FailedPrecondition(string why) => new(new Grpc.Core.Status(StatusCode.FailedPrecondition, Bounded(why)));

    public static RpcException PermissionDenied(string why) => new(new Grpc.Core.Status(StatusCode.PermissionDenied, Bounded(why)));

    public static RpcException AlreadyExists(string why) => new(new Grpc.Core.Status(StatusCode.AlreadyExists, Bounded(why)));

    public static RpcException ResourceExhausted(string why) =>
        Rich(Code.ResourceExhausted, Bounded(why), Any.Pack(new ErrorInfo { Reason = "NO_HOST_FITS", Domain = "cloudcontroller" }));

    /// <summary>An owner's quota would be exceeded; the message names the quota, the usage, the request and the limit.</summary>
    public static RpcException QuotaExceeded(string why) =>
        Rich(Code.ResourceExhausted, Bounded(why), Any.Pack(new ErrorInfo { Reason = "QUOTA_EXCEEDED", Domain = "cloudcontroller" }));

    public static RpcException Unavailable(string why) => new(new Grpc.Core.Status(StatusCode.Unavailable, Bounded(why)));

    public static RpcException Unexpected(object reply) =>
        new(new Grpc.Core.Status(StatusCode.Internal, $"unexpected reply from the cluster: {reply.GetType().Name}"));

    private static RpcException Rich(Code code, string message, Any detail) =>
        new Google.Rpc.Status { Code = (int)code, Message = message, Details = { detail } }.ToRpcException();
}
