using System.CommandLine;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon;
using NeuronGuard.Client;

namespace NeuronGuard.Cli.Ctl;

/// <summary>A usage mistake (bad flag value); ctl exits with 2 and says how to fix it.</summary>
internal sealed class CtlUsageException(string message) : Exception(message);

/// <summary>
/// What every ctl subcommand shares: the channel to --server (or NEURONGUARD_SERVER), the bearer token (--token or
/// NEURONGUARD_TOKEN), --json, where output goes, and the error convention: one line "error: ..." naming the address
/// and the cause (<see cref="ClientErrors"/>), exit 1; usage errors exit 2.
/// </summary>
internal sealed class CtlSession : IDisposable
{
    public static readonly Option<string> Server = new("--server")
    {
        Description = $"Daemon address, HOST:PORT or http(s)://HOST:PORT {ClientEnvironment.ServerHelp}.",
        DefaultValueFactory = _ => ClientEnvironment.Server,
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = $"Bearer token (default: ${ClientEnvironment.TokenVariable}).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Machine-readable output: one JSON object per response.", Recursive = true };

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private readonly string? _token;

    private CtlSession(ParseResult parse, CancellationToken cancellationToken)
    {
        Output = parse.InvocationConfiguration.Output;
        Error = parse.InvocationConfiguration.Error;
        AsJson = parse.GetValue(Json);
        CancellationToken = cancellationToken;
        _token = ClientEnvironment.Token(parse.GetValue(Token));
        var server = parse.GetValue(Server)!;
        if (ClientEnvironment.Address(server) is not { } uri)
        {
            throw new CtlUsageException($"--server '{server}' is not an address: use HOST:PORT, http://HOST:PORT or https://HOST:PORT.");
        }
        Address = server;
        Channel = DaemonChannel.Create(uri);
        Control = new Control.ControlClient(Channel);
        Catalogs = new Catalogs.CatalogsClient(Channel);
        Baselines = new Baselines.BaselinesClient(Channel);
    }

    public TextWriter Output { get; }

    /// <summary>The daemon's address as given, for error lines.</summary>
    public string Address { get; }

    public TextWriter Error { get; }

    public bool AsJson { get; }

    public CancellationToken CancellationToken { get; }

    public GrpcChannel Channel { get; }

    public Control.ControlClient Control { get; }

    public Catalogs.CatalogsClient Catalogs { get; }

    public Baselines.BaselinesClient Baselines { get; }

    /// <summary>Call options with the token and the command's cancellation (Ctrl-C).</summary>
    public CallOptions Call(bool streaming = false) => new(
        headers: DaemonChannel.Bearer(_token),
        deadline: streaming ? null : DateTime.UtcNow.AddSeconds(60),
        cancellationToken: CancellationToken);

    public void WriteJson(IMessage message) => Output.WriteLine(Formatter.Format(message));

    /// <summary>Runs one subcommand body with the shared error handling; returns the exit code.</summary>
    public static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<CtlSession, Task> body)
    {
        var error = parse.InvocationConfiguration.Error;
        string address = parse.GetValue(Server) ?? ClientEnvironment.Server;
        try
        {
            using var session = new CtlSession(parse, cancellationToken);
            await body(session).ConfigureAwait(false);
            return 0;
        }
        catch (CtlUsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return 0; // Ctrl-C during tail
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (ClientErrors.Describe(e, new ClientErrors.CallSite(address)) is { } line)
        {
            await error.WriteLineAsync($"error: {line}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Engine.Catalogs.CatalogException)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>"PERMISSION_DENIED" for <see cref="StatusCode.PermissionDenied"/>, as gRPC documents the codes.</summary>
    public static string StatusName(StatusCode code) => Labels.Status(code);

    public void Dispose() => Channel.Dispose();
}
