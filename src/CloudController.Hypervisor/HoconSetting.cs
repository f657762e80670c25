namespace CloudController.Hypervisor;

/// <summary>A <c>--set key=value</c> from a command line, as the HOCON line it overrides (a node's and a host agent's).</summary>
public static class HoconSetting
{
    public static string Line(string setting)
    {
        var at = setting.IndexOf('=');
        if (at <= 0) throw new ArgumentException($"--set takes key=value, got '{setting}'.");
        return $"{setting[..at].Trim()} = {QuoteUnlessHocon(setting[(at + 1)..].Trim())}";
    }

    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Numbers, booleans, durations, lists and objects stay HOCON; anything else becomes a string.</summary>
    private static string QuoteUnlessHocon(string value) =>
        value.Length > 0 && (char.IsDigit(value[0]) || value[0] is '[' or '{' or '"' or '-' || value is "on" or "off" or "true" or "false")
            ? value
            : Quote(value);
}
