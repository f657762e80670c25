namespace CloudController.Domain.Validation;

/// <summary>
/// One problem with a request: the field at fault, what is wrong, and what would fix it.
/// Validators report every problem they find, not just the first.
/// </summary>
public sealed record FieldError(string Field, string Problem, string Fix)
{
    public override string ToString() => $"{Field}: {Problem}. {Fix}";
}
