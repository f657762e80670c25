using System.CommandLine;
using System.Text;

namespace CloudController.Cli.Commands;

/// <summary>
/// `ccm completion bash|zsh`: a completion script written from the command tree itself, so it completes every
/// palette, verb and option (and their aliases) that this ccm has, without running ccm on each Tab.
/// </summary>
public static class CompletionScript
{
    public static readonly string[] Shells = ["bash", "zsh"];

    public static string For(string shell, RootCommand root) => shell switch
    {
        // zsh runs bash completion functions through bashcompinit.
        "zsh" => "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + Bash(root),
        _ => Bash(root),
    };

    private static string Bash(RootCommand root)
    {
        var globals = Names(root.Options);
        // Options that take a value: the word after one is its value, not a palette or a verb.
        var valued = root.Options.Concat(root.Subcommands.SelectMany(p => p.Subcommands.SelectMany(v => v.Options)))
            .Where(o => o.ValueType != typeof(bool)).SelectMany(o => o.Aliases.Prepend(o.Name)).Distinct().Order(StringComparer.Ordinal);
        var script = new StringBuilder();
        script.Append($$"""
            # ccm completion for bash; load it with: source <(ccm completion bash)
            _ccm() {
                local cur=${COMP_WORDS[COMP_CWORD]} palette="" verb="" words="" i
                for ((i = 1; i < COMP_CWORD; i++)); do
                    case ${COMP_WORDS[i]} in
                        {{string.Join("|", valued)}}) ((i++)) ;;
                        -*) ;;
                        *) if [[ -z $palette ]]; then palette=${COMP_WORDS[i]}; elif [[ -z $verb ]]; then verb=${COMP_WORDS[i]}; fi ;;
                    esac
                done
                if [[ $cur == -* ]]; then
                    case "$palette $verb" in

            """);
        foreach (var palette in root.Subcommands)
            foreach (var verb in palette.Subcommands.Where(v => v.Options.Count > 0))
                script.Append($"            {Pattern(palette, verb)}) words=\"{Names(verb.Options)}\" ;;\n");
        script.Append($$"""
                    esac
                    words="$words {{globals}}"
                elif [[ -z $palette ]]; then
                    words="{{string.Join(" ", root.Subcommands.SelectMany(NamesOf))}}"
                elif [[ -z $verb ]]; then
                    case $palette in

            """);
        foreach (var palette in root.Subcommands)
        {
            var verbs = palette.Name == "completion" ? Shells : palette.Subcommands.SelectMany(NamesOf);
            script.Append($"            {string.Join("|", NamesOf(palette))}) words=\"{string.Join(" ", verbs)}\" ;;\n");
        }
        script.Append("""
                    esac
                fi
                COMPREPLY=($(compgen -W "$words" -- "$cur"))
            }
            complete -F _ccm ccm

            """);
        return script.ToString();
    }

    private static string Pattern(Command palette, Command verb) =>
        string.Join("|", NamesOf(palette).SelectMany(p => NamesOf(verb).Select(v => $"\"{p} {v}\"")));

    private static IEnumerable<string> NamesOf(Command command) => command.Aliases.Prepend(command.Name);

    private static string Names(IEnumerable<Option> options) => string.Join(" ", options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)));
}
