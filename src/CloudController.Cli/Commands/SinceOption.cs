using System.CommandLine;
using System.Globalization;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace CloudController.Cli.Commands;

/// <summary>
/// --since for lists: a UTC time (2026-12-01, 2026-12-01T08:00) or how long ago (90s, 30m, 2h, 7d). Checked while
/// parsing, so a wrong one is a usage error before anything reaches the node.
/// </summary>
public static class SinceOption
{
    public static Option<string?> Create(string what)
    {
        var option = new Option<string?>("--since") { Description = $"Only {what} since a UTC time (2026-12-01T08:00) or for a while back (30m, 2h, 7d)", HelpName = "time|ago" };
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && Parse(result.Tokens[0].Value, DateTimeOffset.UtcNow) is null)
                result.AddError($"--since '{result.Tokens[0].Value}' is neither a time nor a while back; use 2026-12-01T08:00 (UTC), or 30m, 2h, 7d.");
        });
        return option;
    }

    public static Timestamp? Value(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { } value ? Timestamp.FromDateTimeOffset(Parse(value, DateTimeOffset.UtcNow)!.Value) : null;

    /// <summary>The instant meant, or null when the text is neither a time nor a while back.</summary>
    public static DateTimeOffset? Parse(string value, DateTimeOffset now)
    {
        var text = value.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            TimeSpan? ago = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (ago is { } span && span < TimeSpan.FromDays(36_500)) return now - span;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
               && time.Year > 1
            ? time
            : null;
    }
}
