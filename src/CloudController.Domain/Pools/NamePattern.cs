using CloudController.Domain.Validation;

namespace CloudController.Domain.Pools;

/// <summary>
/// Names children from a pattern holding <c>{n}</c>, the child's number in its pool, optionally zero-padded as
/// <c>{n:0000}</c>: <c>web-{n:0000}</c> gives web-0001, web-0002, ...
/// </summary>
public sealed record NamePattern(string Prefix, string Suffix, int Width)
{
    public static (NamePattern? Pattern, string? Problem) Parse(string pattern)
    {
        var start = pattern.IndexOf("{n", StringComparison.Ordinal);
        var end = start < 0 ? -1 : pattern.IndexOf('}', start);
        if (start < 0 || end < 0) return (null, $"'{HostnameRules.Printable(pattern)}' has no {{n}} for the child's number");
        if (pattern.IndexOf("{n", end, StringComparison.Ordinal) >= 0) return (null, "holds {n} more than once");
        var format = pattern[(start + 2)..end];
        var width = 0;
        if (format.Length > 0 && (format[0] != ':' || format.Length > 9 || format.Skip(1).Any(c => c != '0')))
            return (null, $"'{{n{HostnameRules.Printable(format)}}}' is not {{n}} or {{n:000}}");
        if (format.Length > 0) width = format.Length - 1;
        var parsed = new NamePattern(pattern[..start], pattern[(end + 1)..], width);
        return HostnameRules.LabelProblem(parsed.NameFor(1).ToLowerInvariant()) is { } problem
            ? (null, $"gives names like '{HostnameRules.Printable(parsed.NameFor(1))}' that are not host names: it {problem}")
            : parsed != parsed with { Prefix = parsed.Prefix.ToLowerInvariant(), Suffix = parsed.Suffix.ToLowerInvariant() }
                ? (null, "has upper-case letters; host names here are lower case")
                : (parsed, null);
    }

    public string NameFor(long number) => $"{Prefix}{number.ToString().PadLeft(Width, '0')}{Suffix}";

    public override string ToString() => $"{Prefix}{{n{(Width > 0 ? ":" + new string('0', Width) : "")}}}{Suffix}";
}
