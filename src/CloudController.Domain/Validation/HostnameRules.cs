using System.Text;

namespace CloudController.Domain.Validation;

/// <summary>
/// RFC 1123 host names: labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen; a fully
/// qualified name of such labels up to 253 characters. Used for VM hostnames and for catalog names.
/// </summary>
public static class HostnameRules
{
    public const int MaxLabelLength = 63;
    public const int MaxNameLength = 253;

    /// <summary>Why the value is not a valid label, or null when it is.</summary>
    public static string? LabelProblem(string value)
    {
        if (value.Length == 0) return "is empty";
        if (value.Length > MaxLabelLength) return $"is {value.Length} characters long, a label has at most {MaxLabelLength}";
        foreach (var c in value)
        {
            if (!IsLabelChar(c)) return $"contains '{Printable(c)}'; only letters a-z, digits and '-' are allowed";
        }
        if (value[0] == '-' || value[^1] == '-') return "starts or ends with '-'";
        return null;
    }

    /// <summary>Why the value is not a catalog name (a lower-case label), or null when it is.</summary>
    public static string? CatalogNameProblem(string value) =>
        LabelProblem(value) ?? (value != value.ToLowerInvariant() ? "has upper-case letters" : null);

    /// <summary>Why the value is not a valid host name (a label, or labels joined by dots), or null when it is.</summary>
    public static string? NameProblem(string value)
    {
        if (value.Length == 0) return "is empty";
        if (value.Length > MaxNameLength) return $"is {value.Length} characters long, a host name has at most {MaxNameLength}";
        foreach (var label in value.Split('.'))
        {
            if (LabelProblem(label) is { } problem) return label.Length == 0 ? "has an empty label (two dots, or a dot at an end)" : problem;
        }
        return null;
    }

    /// <summary>A valid label made from the value (lowercased, invalid characters to '-'), or null when nothing is left.</summary>
    public static string? Suggest(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxLabelLength));
        foreach (var c in value.ToLowerInvariant())
        {
            if (builder.Length == MaxLabelLength) break;
            var mapped = IsLabelChar(c) ? c : '-';
            if (mapped == '-' && builder.Length > 0 && builder[^1] == '-') continue;
            builder.Append(mapped);
        }
        var suggestion = builder.ToString().Trim('-');
        return suggestion.Length == 0 ? null : suggestion;
    }

    /// <summary>The value safe to put in a message: control and non-ASCII characters escaped, cut to a sane length.</summary>
    public static string Printable(string value, int max = 80)
    {
        var builder = new StringBuilder();
        foreach (var c in value.Length > max ? value[..max] : value) builder.Append(Printable(c));
        if (value.Length > max) builder.Append('…');
        return builder.ToString();
    }

    private static string Printable(char c) => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}";

    private static bool IsLabelChar(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-';
}
