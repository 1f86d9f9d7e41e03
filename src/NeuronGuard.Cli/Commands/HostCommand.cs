using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Inference;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard host --daemon URL --model DIR</c>: the built-in CPU model host as a Telemetry client of a daemon in
/// another process, optionally serving its own <c>neuronguard.v1.Inference</c> on <c>--listen</c>, until SIGTERM.
/// </summary>
internal static class HostCommand
{
    public static Command Create()
    {
        var daemon = new Option<string>("--daemon", "--server") { Description = $"The daemon's gRPC address, HOST:PORT or http(s)://HOST:PORT {ClientEnvironment.ServerHelp}.", DefaultValueFactory = _ => ClientEnvironment.Server };
        var model = new Option<string>("--model") { Description = "Hugging Face model folder (config.json, safetensors, tokenizer.json).", Required = true };
        var listen = new Option<string?>("--listen") { Description = "Serve neuronguard.v1.Inference (for `neuronguard generate`) on IP:PORT." };
        var token = new Option<string?>("--token") { Description = $"Bearer token with the ingest role, when the daemon has tokens configured (default: ${ClientEnvironment.TokenVariable})." };
        var refusals = new Option<int>("--max-auth-refusals") { Description = "Exit (code 3) after the daemon refused the token this many times in a row; 0 retries forever.", DefaultValueFactory = _ => 3 };
        var serverId = new Option<string?>("--server-id") { Description = "This model server's id as Control shows it (default builtin@HOST:PID)." };
        var threads = new Option<int>("--threads") { Description = "CPU threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var noLockstep = new Option<bool>("--no-lockstep") { Description = "Do not wait for each step's verdict (mitigation then applies when it arrives)." };
        var command = new Command("host", "Run the built-in model host against a remote NeuronGuard daemon.");
        foreach (var o in new Option[] { daemon, model, listen, token, refusals, serverId, threads, noLockstep })
        {
            command.Options.Add(o);
        }
        command.SetAction(async (parse, invocationToken) =>
        {
            // System.CommandLine cancels on Ctrl+C only; a sidecar is stopped with SIGTERM.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            var ct = stop.Token;
            IPEndPoint? endpoint = null;
            if (parse.GetValue(listen) is { } l && !IPEndPoint.TryParse(l, out endpoint))
            {
                Console.Error.WriteLine($"neuronguard host: '{l}' is not a listen address: use IP:PORT, e.g. 127.0.0.1:50052.");
                return 2;
            }
            string daemonAddress = parse.GetValue(daemon)!;
            if (ClientEnvironment.Address(daemonAddress) is not { } daemonUri)
            {
                Console.Error.WriteLine($"neuronguard host: '{daemonAddress}' is not a daemon address: use HOST:PORT or http(s)://HOST:PORT.");
                return 2;
            }
            using var loggers = LoggerFactory.Create(b => b.AddNeuronGuardConsole());
            var logger = loggers.CreateLogger("NeuronGuard.ModelServer");
            string modelDir = parse.GetValue(model)!;
            ModelHost host;
            try
            {
                host = ModelHost.Load(modelDir, new ModelHostOptions { Threads = parse.GetValue(threads) });
            }
            catch (ModelLoadException ex)
            {
                Console.Error.WriteLine($"neuronguard host: {ex.Message}");
                return 1;
            }
            using (host)
            {
                var options = new TelemetryModelServerOptions
                {
                    DaemonUrl = daemonUri.ToString(),
                    Token = ClientEnvironment.Token(parse.GetValue(token)),
                    MaxAuthRefusals = Math.Max(0, parse.GetValue(refusals)),
                    ModelId = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDir))),
                    Lockstep = !parse.GetValue(noLockstep),
                };
                if (parse.GetValue(serverId) is { } id)
                {
                    options = options with { ServerId = id };
                }
                TelemetryModelServer server;
                try
                {
                    server = new TelemetryModelServer(host, options, logger);
                }
                catch (ArgumentException ex)
                {
                    Console.Error.WriteLine($"neuronguard host: {ex.Message}");
                    return 2;
                }
                await using (server)
                {
                    try
                    {
                        await server.StartAsync(ct);
                    }
                    catch (DaemonUnavailableException ex)
                    {
                        // Keep running: the stream reconnects with backoff, and Generate answers UNAVAILABLE meanwhile.
                        Console.Error.WriteLine($"neuronguard host: {ex.Message} Retrying in the background.");
                    }
                    catch (OperationCanceledException)
                    {
                        return 0;
                    }
                    if (server.CredentialsRefused.IsCompleted)
                    {
                        Console.Error.WriteLine($"neuronguard host: {await server.CredentialsRefused}");
                        return 3;
                    }
                    InferenceServer? grpc = null;
                    if (endpoint is not null)
                    {
                        try
                        {
                            grpc = await InferenceServer.StartAsync(endpoint, server, ct);
                        }
                        catch (IOException ex)
                        {
                            Console.Error.WriteLine($"neuronguard host: cannot listen on {endpoint}: {ex.Message}. Choose another port with --listen.");
                            return 1;
                        }
                        Console.Error.WriteLine($"neuronguard host: serving {InferenceService.ServiceName} on http://{endpoint.Address}:{grpc.Port}");
                    }
                    await Task.WhenAny(Task.Delay(Timeout.Infinite, ct), server.CredentialsRefused);
                    if (grpc is not null)
                    {
                        await grpc.DisposeAsync();
                    }
                    if (server.CredentialsRefused.IsCompleted)
                    {
                        Console.Error.WriteLine($"neuronguard host: {await server.CredentialsRefused}");
                        return 3;
                    }
                    Console.Error.WriteLine("neuronguard host: stopped");
                    return 0;
                }
            }
        });
        return command;
    }
}
