using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CloudController.Cli.Rendering;

/// <summary>
/// Writes a result as a table for people or as JSON for scripts, as the session's format says. Both formats render
/// the message handed to them here, so a later redaction of secret fields (--show-secrets) has one place to go.
/// </summary>
public static class Output
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static void Write<T>(CcmSession session, T message, Func<T, IRenderable> table) where T : IMessage
    {
        if (session.Format == OutputFormat.Json)
            WriteJson(session, message);
        else
            session.Console.Write(table(message));
    }

    public static void WriteLine<T>(CcmSession session, T message, Func<T, string> text) where T : IMessage
    {
        if (session.Format == OutputFormat.Json)
            WriteJson(session, message);
        else
            session.Console.WriteLine(text(message));
    }

    public static string ToJson(IMessage message) => Json.Format(message);

    // Straight to the output writer: Spectre would wrap a long JSON line at the console's width.
    private static void WriteJson(CcmSession session, IMessage message) => session.Console.Profile.Out.Writer.WriteLine(ToJson(message));
}
