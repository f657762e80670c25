namespace CloudController.Domain.Validation;

/// <summary>
/// One problem with a request: the field at fault, what is wrong, and what would fix it.
/// Validators report every problem they find, not just the first.
/// </summary>
public sealed record FieldError(string Field, string Problem, string Fix)
{
    /// <summary>The problem and its fix as one sentence pair, for a field violation's description.</summary>
    public string Description => Fix.Length == 0 ? Problem : $"{Problem}. {char.ToUpperInvariant(Fix[0])}{Fix[1..]}";

    public override string ToString() => $"{Field}: {Description}";
}
