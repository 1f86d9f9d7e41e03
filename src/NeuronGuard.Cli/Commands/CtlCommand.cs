using System.CommandLine;
using NeuronGuard.Cli.Ctl;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard ctl</c>: the operator's client for a running daemon (policy, flagged requests, audit, live
/// verdicts, catalogs, baselines). Errors print <c>error: STATUS: message</c> and exit 1; usage errors exit 2.
/// </summary>
public static class CtlCommand
{
    public static Command Create()
    {
        var command = new Command("ctl", "Control a running daemon: policy, flagged requests, audit, live verdicts, catalogs and baselines.");
        command.Options.Add(CtlSession.Server);
        command.Options.Add(CtlSession.Token);
        command.Options.Add(CtlSession.Json);
        command.Subcommands.Add(PolicyCommands.Create());
        command.Subcommands.Add(ReadCommands.Flagged());
        command.Subcommands.Add(ReadCommands.Audit());
        command.Subcommands.Add(ReadCommands.Tail());
        command.Subcommands.Add(RecordCommands.Catalog());
        command.Subcommands.Add(RecordCommands.Baseline());
        command.Subcommands.Add(StoreCommands.Create());
        return command;
    }
}
