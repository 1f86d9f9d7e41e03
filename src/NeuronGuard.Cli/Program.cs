using System.CommandLine;
using NeuronGuard.Cli;
using NeuronGuard.Cli.Commands;

var root = new RootCommand("NeuronGuard: neuron-level safety monitor for LLM serving.");
// One line per command; each command lives in Commands/<Name>Command.cs.
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(FixtureCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(DiscoverCommand.Create());
root.Subcommands.Add(CalibrateCommand.Create());
root.Subcommands.Add(TrainProbeCommand.Create());
root.Subcommands.Add(ExplainCommand.Create());
root.Subcommands.Add(CatalogCommand.Create());
root.Subcommands.Add(CtlCommand.Create());
root.Subcommands.Add(TokenCommand.Create());
root.Subcommands.Add(HostCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(HealthCommand.Create());
root.Subcommands.Add(FingerprintCommand.Create());
root.Subcommands.Add(CompletionCommand.Create());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    await parse.InvokeAsync(); // prints the errors and usage
    return 2;                  // usage errors exit 2, like every command's own checks
}
try
{
    // No stack traces on the console: what escapes a command is reported as one line (exit codes: docs/ctl.md).
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    string command = parse.CommandResult.Command is { } c && c != root ? c.Name : "neuronguard";
    Console.Error.WriteLine($"neuronguard {command}: error: {ClientErrors.Describe(e, new ClientErrors.CallSite("the server")) ?? e.Message.ReplaceLineEndings(" ")}");
    return 1;
}
