using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudController.Cli.Contexts;

/// <summary>One named place ccm talks to, as kubectl's contexts: the node's endpoint and the files that go with it.</summary>
public sealed record CcmContext(string? Endpoint, string? TokenFile, string? CaFile);

/// <summary>
/// The contexts file, $XDG_CONFIG_HOME/ccm/config (else ~/.config/ccm/config): named contexts and the one in use,
/// as JSON. It holds paths, never a token. Saved whole through a temporary file, so a crash leaves the old or the
/// new file, never half of one.
/// </summary>
public sealed class ContextFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public string? Current { get; set; }

    public SortedDictionary<string, CcmContext> Contexts { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Where the file is, from the environment ccm runs in.</summary>
    public static string PathFrom(Func<string, string?> environment)
    {
        var config = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(config, "ccm", "config");
    }

    /// <summary>The file's contexts (none when there is no file), or why it cannot be read.</summary>
    public static (ContextFile? File, string? Error) Load(string path)
    {
        if (!System.IO.File.Exists(path)) return (new ContextFile(), null);
        try
        {
            var file = JsonSerializer.Deserialize<ContextFile>(System.IO.File.ReadAllText(path), Json) ?? new ContextFile();
            return (file, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return (null, $"Cannot read the contexts file '{path}' ({e.Message}); fix it, or delete it and set the contexts again with `ccm context set`.");
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        System.IO.File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        System.IO.File.Move(temporary, path, overwrite: true);
    }
}
