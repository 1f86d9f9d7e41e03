using System.CommandLine;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard completion bash|zsh</c>: prints a shell completion script. The script asks the CLI itself through
/// System.CommandLine's <c>[suggest:POSITION]</c> directive, so completions always match the installed version's
/// commands and options. Install: <c>source &lt;(neuronguard completion bash)</c> in ~/.bashrc, or
/// <c>neuronguard completion zsh &gt; "${fpath[1]}/_neuronguard"</c>.
/// </summary>
internal static class CompletionCommand
{
    /// <summary>Bash: complete -F with the words System.CommandLine suggests for the line up to the cursor.</summary>
    internal const string Bash = """
        # neuronguard bash completion: source <(neuronguard completion bash)
        _neuronguard_complete() {
          local IFS=$'\n' line=${COMP_LINE:0:COMP_POINT}
          COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "[suggest:${#line}]" "$line" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _neuronguard_complete neuronguard
        """;

    /// <summary>Zsh: compadd the suggestions for the buffer up to the cursor.</summary>
    internal const string Zsh = """
        #compdef neuronguard
        # neuronguard zsh completion: neuronguard completion zsh > "${fpath[1]}/_neuronguard" (then compinit)
        _neuronguard() {
          local line=${BUFFER[1,CURSOR]}
          local -a suggestions
          suggestions=(${(f)"$(${words[1]} "[suggest:${#line}]" "$line" 2>/dev/null)"})
          compadd -a suggestions
        }
        if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _neuronguard "$@"; else compdef _neuronguard neuronguard; fi
        """;

    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh." };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print a bash or zsh completion script (source it, or install it in your fpath).") { shell };
        command.SetAction((parse, _) =>
        {
            parse.InvocationConfiguration.Output.WriteLine(parse.GetValue(shell) == "bash" ? Bash : Zsh);
            return Task.FromResult(0);
        });
        return command;
    }
}
