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

return await root.Parse(args).InvokeAsync();
