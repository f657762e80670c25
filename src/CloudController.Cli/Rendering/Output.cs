using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CloudController.Cli.Rendering;

/// <summary>Writes a result as a table for people or as JSON for scripts, as the session's format says.</summary>
public static class Output
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static void Write(CcmSession session, IMessage message, Func<IRenderable> table)
    {
        if (session.Format == OutputFormat.Json)
            session.Console.Profile.Out.Writer.WriteLine(Json.Format(message));
        else
            session.Console.Write(table());
    }

    public static void WriteLine(CcmSession session, IMessage message, string text)
    {
        if (session.Format == OutputFormat.Json)
            session.Console.Profile.Out.Writer.WriteLine(Json.Format(message));
        else
            session.Console.WriteLine(text);
    }

    public static string ToJson(IMessage message) => Json.Format(message);
}
