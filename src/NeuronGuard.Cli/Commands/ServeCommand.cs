using System.CommandLine;

namespace NeuronGuard.Cli.Commands;

/// <summary><c>neuronguard serve</c>: runs the daemon.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the NeuronGuard daemon.");
        command.SetAction(_ => 0);
        return command;
    }
}
