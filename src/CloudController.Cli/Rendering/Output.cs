using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CloudController.Cli.Rendering;

/// <summary>
/// Writes a result as a table for people, as JSON for scripts, or (a list) as CSV, as the session's format says.
/// Every format renders the message handed to them here, so a later redaction of secret fields (--show-secrets) has
/// one place to go.
/// </summary>
public static class Output
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    /// <param name="csv">A list's own CSV, where scripts want other columns than the table's (usage's raw numbers).</param>
    public static void Write<T>(CcmSession session, T message, Func<T, IRenderable> table, Func<T, string>? csv = null) where T : IMessage =>
        Write(session.Console, session.Format, () => table(message), () => ToJson(message), csv is null ? null : () => csv(message));

    /// <summary>Any result, also one that is not a message of the API (the local contexts).</summary>
    public static void Write(IAnsiConsole console, OutputFormat format, Func<IRenderable> table, Func<string> json, Func<string>? csv = null)
    {
        switch (format)
        {
            case OutputFormat.Json:
                // Straight to the output writer: Spectre would wrap a long JSON line at the console's width.
                console.Profile.Out.Writer.WriteLine(json());
                break;
            case OutputFormat.Csv:
                console.Profile.Out.Writer.Write(csv?.Invoke() ?? TableCsv.Format(table() as Table
                    ?? throw new InvalidOperationException("-o csv reached a result that is not one table; only lists take it.")));
                break;
            default:
                console.Write(table());
                break;
        }
    }

    public static void WriteLine<T>(CcmSession session, T message, Func<T, string> text) where T : IMessage
    {
        if (session.Format == OutputFormat.Table)
            session.Console.WriteLine(text(message));
        else
            session.Console.Profile.Out.Writer.WriteLine(ToJson(message));
    }

    public static string ToJson(IMessage message) => Json.Format(message);
}
