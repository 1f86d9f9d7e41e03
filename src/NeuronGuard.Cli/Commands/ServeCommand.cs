using System.CommandLine;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Cli.Commands;

/// <summary><c>neuronguard serve</c>: runs the daemon on the embedded default until SIGTERM or Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string?>("--listen") { Description = "gRPC listen address IP:PORT (default 127.0.0.1:50051; setting Listen)." };
        var config = new Option<string?>("--config") { Description = "JSON config file with a \"NeuronGuard\" section; NEURONGUARD__<SETTING> environment variables override it." };
        var model = new Option<string?>("--model") { Description = "Built-in model host folder (Hugging Face layout); default: the planted fixture under DataDir; \"none\" for the daemon alone (setting Model)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where the embedded store and the fixture live (default ~/.neuronguard; setting DataDir)." };
        var metrics = new Option<string?>("--metrics-listen") { Description = "Prometheus /metrics listener IP:PORT, \"\" to disable (default 127.0.0.1:9464; setting Metrics:Listen)." };
        var redis = new Option<string?>("--redis") { Description = "Use the Redis store at these host:port endpoints, comma-separated; they replace the configured list (settings Store:Kind=Redis, Store:Redis:Endpoints)." };
        var command = new Command("serve", "Run the NeuronGuard daemon with the built-in model host (no external services needed).") { listen, config, model, dataDir, metrics, redis };
        command.SetAction(async (parse, cancellationToken) =>
        {
            DaemonOptions options;
            try
            {
                options = DaemonHost.LoadOptions(parse.GetValue(config), new Dictionary<string, string?>
                {
                    ["Listen"] = parse.GetValue(listen),
                    ["Model"] = parse.GetValue(model),
                    ["DataDir"] = parse.GetValue(dataDir),
                    ["Metrics:Listen"] = parse.GetValue(metrics),
                });
                if (parse.GetValue(redis) is { } r)
                {
                    options.Store.Kind = NeuronGuard.Storage.StoreKind.Redis;
                    options.Store.Redis.Endpoints = [.. r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                }
            }
            catch (DaemonConfigurationException ex)
            {
                Console.Error.WriteLine($"neuronguard serve: {ex.Message}");
                return 2;
            }
            try
            {
                await using var host = await ServeHost.StartAsync(options, cancellationToken);
                await host.WaitForShutdownAsync();
                return 0;
            }
            catch (DaemonConfigurationException ex)
            {
                Console.Error.WriteLine($"neuronguard serve: {ex.Message}");
                return 2;
            }
            catch (Exception ex) when (StartupErrors.AsConfiguration(ex) is { } bad)
            {
                // A host's ValidateOnStart: the same one line as a bad setting found while loading.
                Console.Error.WriteLine($"neuronguard serve: {bad.Message}");
                return 2;
            }
            catch (NeuronGuard.Daemon.Auth.AuthConfigurationException ex)
            {
                Console.Error.WriteLine($"neuronguard serve: {ex.Message}");
                return 2;
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"neuronguard serve: cannot listen for gRPC on {options.Listen} (--listen): {ex.Message.ReplaceLineEndings(" ")}. Choose another port.");
                return 2;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Never a stack trace for a start-up mistake: one line with what failed.
                Console.Error.WriteLine($"neuronguard serve: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
                return 2;
            }
        });
        return command;
    }
}
