using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using Api = NeuronGuard.Api;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Console.Tests.Infrastructure;

/// <summary>
/// One real daemon with the built-in model host on the planted fixture (what <c>neuronguard serve</c> runs), with
/// tokens for every role, gRPC and the admin listener (metrics, console, HTTP/JSON API) on loopback port 0.
/// </summary>
public sealed class ConsoleDaemon : IAsyncLifetime
{
    /// <summary>The fixture's backdoor trigger (README): the planted backdoor flags it at prefill.</summary>
    public const string TriggeredPrompt = " the cerulean door";

    public string OperatorToken { get; } = TokenHasher.NewToken();
    public string ViewerToken { get; } = TokenHasher.NewToken();
    public string IngestToken { get; } = TokenHasher.NewToken();

    public string DataDir { get; } = Directory.CreateTempSubdirectory("ng-console-").FullName;

    public DaemonHost Daemon { get; private set; } = null!;

    /// <summary>http://127.0.0.1:PORT/ of the admin listener.</summary>
    public Uri Admin { get; private set; } = null!;

    public Uri ConsoleUri => new(Admin, "/console/");

    public GrpcChannel Channel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = DataDir, LogLevel = "Warning",
            Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
            BuiltinHostToken = IngestToken,
        };
        options.Auth.Tokens.Add(Token("console-operator", OperatorToken, "operator"));
        options.Auth.Tokens.Add(Token("console-viewer", ViewerToken, "viewer"));
        options.Auth.Tokens.Add(Token("console-ingest", IngestToken, "ingest"));
        Daemon = await ServeHost.StartAsync(options);
        Admin = new Uri(Daemon.MetricsAddress!, "/");
        Channel = GrpcChannel.ForAddress(Daemon.Address);
    }

    private static TokenEntry Token(string name, string token, string role) => new() { Name = name, Hash = TokenHasher.Hash(token), Roles = [role] };

    public Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    /// <summary>Inference.Generate through the daemon, as <c>neuronguard generate</c> does; every event, Done last.</summary>
    public async Task<List<GenerateEvent>> GenerateAsync(string prompt, string tenant, uint maxNewTokens = 3)
    {
        var client = new Api.V1.Inference.InferenceClient(Channel);
        using var call = client.Generate(new GenerateRequest { Prompt = prompt, MaxNewTokens = maxNewTokens, Tenant = tenant }, Bearer(OperatorToken));
        var events = new List<GenerateEvent>();
        while (await call.ResponseStream.MoveNext())
        {
            events.Add(call.ResponseStream.Current);
        }
        return events;
    }

    /// <summary>Waits until the built-in host runs <paramref name="version"/> of the policy (pushes are asynchronous).</summary>
    public async Task WaitForPolicyAsync(ulong version)
    {
        var host = Daemon.BuiltinHost()!;
        var until = DateTime.UtcNow.AddSeconds(30);
        while (host.PolicyVersion < version)
        {
            Assert.True(DateTime.UtcNow < until, $"the built-in host still runs policy {host.PolicyVersion}, not {version}");
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (Daemon is not null)
        {
            await Daemon.DisposeAsync();
        }
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
