using System.CommandLine;
using System.CommandLine.Parsing;

namespace CloudController.Cli.Commands;

/// <summary>Options and arguments that take key=value words: checked while parsing, split into a map when used.</summary>
public static class KeyValueArguments
{
    /// <summary>Makes a word without '=' (or starting with it) a usage error naming <paramref name="what"/>.</summary>
    public static void RequirePairs(Option<string[]> option, string what) => option.Validators.Add(result => Check(result, what));

    public static void RequirePairs(Argument<string[]> argument, string what) => argument.Validators.Add(result => Check(result, what));

    private static void Check(SymbolResult result, string what)
    {
        foreach (var token in result.Tokens.Where(t => t.Value.IndexOf('=') <= 0))
            result.AddError($"{what}, got '{token.Value}'.");
    }

    /// <summary>Adds each key=value word to the map (a later key wins); the value may itself hold '='.</summary>
    public static void AddTo(IDictionary<string, string> map, IEnumerable<string>? words)
    {
        foreach (var word in words ?? [])
        {
            var at = word.IndexOf('=');
            map[word[..at]] = word[(at + 1)..];
        }
    }
}
