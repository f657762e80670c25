using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CloudController.Api.V1;

/// <summary>
/// Why a caller changes state, part of the contract: "x-reason: &lt;text&gt;" on the call, for the audit trail to
/// record beside the call. gRPC metadata values are printable ASCII, so the text travels as UTF-8, percent-encoded
/// (RFC 3986, as <see cref="Uri.EscapeDataString(string)"/>); <see cref="Read"/> gives the text back.
/// </summary>
public static class ReasonHeader
{
    public const string Name = "x-reason";

    /// <summary>The longest reason a caller sends, in characters: a sentence, not a document.</summary>
    public const int MaxLength = 500;

    /// <summary>The invoker with the reason added to every call it makes.</summary>
    public static CallInvoker WithReason(this CallInvoker invoker, string reason) => invoker.Intercept(metadata =>
    {
        metadata.Add(Name, Uri.EscapeDataString(reason));
        return metadata;
    });

    /// <summary>The reason a call carries, decoded; null when it gave none.</summary>
    public static string? Read(Metadata headers) => headers.GetValue(Name) is { Length: > 0 } value ? Uri.UnescapeDataString(value) : null;
}
