using System.CommandLine;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Cli.Commands;

/// <summary><c>neuronguard serve</c>: runs the daemon on the embedded default until SIGTERM or Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string?>("--listen") { Description = "gRPC listen address IP:PORT (default 127.0.0.1:50051; setting Listen)." };
        var config = new Option<string?>("--config") { Description = "JSON config file with a \"NeuronGuard\" section; NEURONGUARD__<SETTING> environment variables override it." };
        var command = new Command("serve", "Run the NeuronGuard daemon (no external services needed).") { listen, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            DaemonOptions options;
            try
            {
                options = DaemonHost.LoadOptions(parse.GetValue(config), new Dictionary<string, string?> { ["Listen"] = parse.GetValue(listen) });
            }
            catch (DaemonConfigurationException ex)
            {
                Console.Error.WriteLine($"neuronguard serve: {ex.Message}");
                return 2;
            }
            try
            {
                await using var host = await DaemonHost.StartAsync(options, cancellationToken);
                await host.WaitForShutdownAsync();
                return 0;
            }
            catch (DaemonConfigurationException ex)
            {
                Console.Error.WriteLine($"neuronguard serve: {ex.Message}");
                return 2;
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"neuronguard serve: cannot listen on {options.Listen}: {ex.Message}. Choose another port with --listen.");
                return 1;
            }
        });
        return command;
    }
}
