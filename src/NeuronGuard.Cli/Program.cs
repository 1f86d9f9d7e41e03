using System.CommandLine;
using NeuronGuard.Cli.Commands;

var root = new RootCommand("NeuronGuard: neuron-level safety monitor for LLM serving.");
// One line per command; each command lives in Commands/<Name>Command.cs.
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(FixtureCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(DiscoverCommand.Create());
root.Subcommands.Add(CalibrateCommand.Create());
root.Subcommands.Add(CatalogCommand.Create());
root.Subcommands.Add(CtlCommand.Create());
root.Subcommands.Add(TokenCommand.Create());
root.Subcommands.Add(HostCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(HealthCommand.Create());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    await parse.InvokeAsync(); // prints the errors and usage
    return 2;                  // usage errors exit 2, like every command's own checks
}
return await parse.InvokeAsync();
