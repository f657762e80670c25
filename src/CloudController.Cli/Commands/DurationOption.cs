using System.CommandLine;
using System.Globalization;

namespace CloudController.Cli.Commands;

/// <summary>An option that takes a duration as people write it: 90s, 30m, 1h, 2d.</summary>
public static class DurationOption
{
    public static Option<TimeSpan?> Create(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "duration",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value.Trim();
            if (Parse(text) is { } duration) return duration;
            result.AddError($"{name}: '{text}' is not a duration; give a number and a unit, e.g. 30m, 1h or 2d.");
            return null;
        },
    };

    public static TimeSpan? Parse(string text)
    {
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0) return null;
        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => null,
        };
    }
}
