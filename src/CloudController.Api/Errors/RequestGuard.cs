using CloudController.Domain.Validation;
using Google.Protobuf.WellKnownTypes;

namespace CloudController.Api.Errors;

/// <summary>Checks ids and names that arrive in requests before they become entity or persistence ids.</summary>
public static class RequestGuard
{
    private const int MaxIdLength = 128;

    /// <summary>The id, trimmed; or an InvalidArgument naming the field when it is empty, too long, or has control characters.</summary>
    public static string Id(string? value, string field, string whereToFindOne)
    {
        var id = value?.Trim() ?? "";
        if (id.Length == 0) throw RpcErrors.InvalidArgument(field, "is required", whereToFindOne);
        if (id.Length > MaxIdLength)
            throw RpcErrors.InvalidArgument(field, $"is {id.Length} characters long, the limit is {MaxIdLength}", whereToFindOne);
        if (!IsPlausibleId(id))
            throw RpcErrors.InvalidArgument(field, "contains whitespace, control characters or '/'", whereToFindOne);
        return id;
    }

    /// <summary>Whether a value could be an id at all; a validator reports why one that is not is wrong.</summary>
    public static bool IsPlausibleId(string value) =>
        value.Length is > 0 and <= MaxIdLength && !value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '/');

    /// <summary>The earliest and latest instants a Timestamp may hold (years 1 to 9999), as protobuf defines it.</summary>
    private static readonly (long Min, long Max) ValidSeconds = (-62_135_596_800, 253_402_300_799);

    /// <summary>The time a request gave, or null when it gave none; an InvalidArgument naming the field when it is not a valid time.</summary>
    public static DateTimeOffset? Time(Timestamp? time, string field) => time switch
    {
        null => null,
        { Nanos: >= 0 and < 1_000_000_000 } when time.Seconds >= ValidSeconds.Min && time.Seconds <= ValidSeconds.Max => time.ToDateTimeOffset(),
        _ => throw RpcErrors.InvalidArgument(field, "is not a valid time", "give a time between the years 1 and 9999, e.g. 2026-12-01T00:00:00Z"),
    };

    public static void ThrowIfAny(IReadOnlyCollection<FieldError> errors)
    {
        if (errors.Count > 0) throw RpcErrors.InvalidArgument(errors);
    }
}
