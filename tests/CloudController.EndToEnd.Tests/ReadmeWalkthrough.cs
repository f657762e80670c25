using System.Text;
using System.Text.RegularExpressions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// The `ccm` commands of the README's walkthrough, read from README.md itself so that the README stays the source:
/// every ```sh block of the section, continuation lines joined, comments dropped, `;` lists split, and each command
/// split into its arguments as a shell would (single and double quotes). A command expected to exit other than 0 says
/// so in its comment, as `# exit 1: why`.
/// </summary>
public static partial class ReadmeWalkthrough
{
    public sealed record Step(string[] Args, int ExpectedExit);

    public const string Section = "## Walkthrough with `ccm`";

    public static IReadOnlyList<Step> Commands(string readme)
    {
        var start = readme.IndexOf(Section, StringComparison.Ordinal);
        if (start < 0) throw new InvalidOperationException($"README.md has no section '{Section}'.");
        var end = readme.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var commands = new List<Step>();
        foreach (Match block in ShellBlock().Matches(section))
        {
            foreach (var line in block.Groups[1].Value.Replace("\\\n", " ").Split('\n'))
            {
                var code = StripComment(line);
                var expected = ExpectedExit().Match(line[code.Length..]) is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
                foreach (var statement in SplitOutsideQuotes(code, ';'))
                {
                    var words = Words(statement);
                    if (words.Length > 0 && words[0] == "ccm") commands.Add(new Step(words[1..], expected));
                }
            }
        }
        return commands;
    }

    /// <summary>A shell comment starts at a # that begins a word outside quotes.</summary>
    private static string StripComment(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is null && c is '\'' or '"') quote = c;
            else if (c == quote) quote = null;
            else if (quote is null && c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        }
        return line;
    }

    private static IEnumerable<string> SplitOutsideQuotes(string line, char separator)
    {
        char? quote = null;
        var from = 0;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is null && c is '\'' or '"') quote = c;
            else if (c == quote) quote = null;
            else if (quote is null && c == separator)
            {
                yield return line[from..i];
                from = i + 1;
            }
        }
        yield return line[from..];
    }

    private static string[] Words(string statement)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in statement)
        {
            if (quote is not null)
            {
                if (c == quote) quote = null;
                else word.Append(c);
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord) words.Add(word.ToString());
        return [.. words];
    }

    [GeneratedRegex(@"^#\s*exit (\d+)\b")]
    private static partial Regex ExpectedExit();

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
