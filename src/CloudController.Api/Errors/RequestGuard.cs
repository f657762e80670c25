using CloudController.Domain.Validation;

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

    public static void ThrowIfAny(IReadOnlyCollection<FieldError> errors)
    {
        if (errors.Count > 0) throw RpcErrors.InvalidArgument(errors);
    }
}
