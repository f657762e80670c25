using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using CloudController.Domain.Validation;

namespace CloudController.Domain.AppLibrary;

/// <summary>The answer file filled in for one user, or every problem that stopped it.</summary>
public sealed record RenderedAnswerFile(string? Text, ImmutableArray<FieldError> Errors);

/// <summary>
/// An installer's answer file with <c>{{name}}</c> placeholders, filled per user (user name, licence key, target
/// folder) for an unattended install. Values are escaped for the file's format, and a value with control characters
/// (a line break above all) is refused, so that no value can add a line or a directive of its own.
/// </summary>
public sealed partial record AnswerFileTemplate(string App, AnswerFileFormat Format, string Text)
{
    public const int MaxValueLength = 1024;

    [GeneratedRegex(@"\{\{([a-z][a-z0-9_-]*)\}\}")]
    private static partial Regex Placeholder();

    public ImmutableArray<string> Placeholders =>
        Placeholder().Matches(Text).Select(m => m.Groups[1].Value).Distinct().ToImmutableArray();

    public RenderedAnswerFile Render(IReadOnlyDictionary<string, string> values)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        foreach (var name in Placeholders)
        {
            if (!values.TryGetValue(name, out var value))
                errors.Add(new FieldError($"answers.{name}", $"is required by the {App} answer file", $"give a value for '{name}'"));
            else if (value.Any(BreaksLine))
                errors.Add(new FieldError($"answers.{name}", "contains a line break or another control character",
                    "give it on one line, printable characters only"));
            else if (value.Length > MaxValueLength)
                errors.Add(new FieldError($"answers.{name}", $"is {value.Length} characters long", $"keep it under {MaxValueLength}"));
        }
        foreach (var name in values.Keys.Where(k => !Placeholders.Contains(k)).Order(StringComparer.Ordinal))
            errors.Add(new FieldError($"answers.{name}", $"is not used by the {App} answer file", $"drop it; the file takes {string.Join(", ", Placeholders)}"));
        if (errors.Count > 0) return new RenderedAnswerFile(null, errors.ToImmutable());

        var text = Placeholder().Replace(Text, m => Escape(values[m.Groups[1].Value]));
        return new RenderedAnswerFile(text, []);
    }

    /// <summary>Control characters, and the Unicode line and paragraph separators that some parsers honour.</summary>
    private static bool BreaksLine(char c) =>
        char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.LineSeparator
            or System.Globalization.UnicodeCategory.ParagraphSeparator;

    private string Escape(string value) => Format switch
    {
        AnswerFileFormat.Xml => new StringBuilder(value)
            .Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&apos;").ToString(),
        AnswerFileFormat.Shell => "'" + value.Replace("'", "'\\''") + "'",
        _ => value,
    };
}
