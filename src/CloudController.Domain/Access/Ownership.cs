using CloudController.Domain.Validation;

namespace CloudController.Domain.Access;

/// <summary>
/// Whose a VM, a pool or a network is, and who may see and act on it: its owner, and administrators. Provisioners and
/// viewers (VM users) see and manage only what they own. With access control off there is no caller and nothing is
/// withheld.
/// </summary>
public static class Ownership
{
    /// <summary>Whether <paramref name="caller"/> may see and act on something owned by <paramref name="owner"/>.</summary>
    public static bool Permits(ApiUser? caller, string? owner) =>
        SeesEverything(caller) || string.Equals(caller!.Name, owner, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="caller"/> may see and act on everything, whoever owns it.</summary>
    public static bool SeesEverything(ApiUser? caller) => caller is null || caller.Role == Role.Administrator;

    /// <summary>
    /// The owner of something the caller creates: the caller itself, or, for an administrator, the user it names (so
    /// that a viewer can own the VMs it uses). Without access control, a named owner is taken as a label.
    /// </summary>
    public static (string? Owner, FieldError? Error) OwnerFor(ApiUser? caller, string? requested, Func<string, bool> isUser)
    {
        var named = requested?.Trim() ?? "";
        if (named.Length == 0) return (caller?.Name, null);
        if (AccessRegistry.NameProblem(named) is { } problem) return (null, problem with { Field = "owner" });
        if (caller is null || named == caller.Name) return (named, null);
        if (caller.Role != Role.Administrator)
            return (null, new FieldError("owner", $"{caller.Name} is {AccessPolicy.Describe(caller.Role)}; only an administrator creates for another user",
                "leave owner empty to own it yourself"));
        return isUser(named)
            ? (named, null)
            : (null, new FieldError("owner", $"there is no user '{named}'", $"add one with `ccm users add {named} --role viewer`, or name an existing user"));
    }

    /// <summary>Why <paramref name="caller"/> may not act on <paramref name="what"/>, or null when it may.</summary>
    public static string? Refusal(ApiUser? caller, string? owner, string what) =>
        Permits(caller, owner)
            ? null
            : $"{what} is not {caller!.Name}'s; only its owner or an administrator may see or change it";
}
