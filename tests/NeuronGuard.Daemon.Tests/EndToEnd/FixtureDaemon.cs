using NeuronGuard.ModelServer;
using NeuronGuard.Api.V1;
using NeuronGuard.ModelServer.Bootstrap;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Daemon.Hosting;
using Grpc.Net.Client;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Prompts;

namespace NeuronGuard.Daemon.Tests.EndToEnd;

/// <summary>
/// One real daemon per test collection on the embedded default: the planted fixture as its built-in model (catalog
/// and calibrated baseline bootstrapped into a temp store), Telemetry, Control and Inference on a loopback port.
/// Tests isolate their policies by tenant, so they never see each other's mitigations.
/// </summary>
public sealed class FixtureDaemon : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "ng-e2e-" + Guid.NewGuid().ToString("N"));

    public DaemonHost Daemon { get; private set; } = null!;

    public TelemetryModelServer Host => Daemon.BuiltinHost() ?? throw new InvalidOperationException("the daemon runs no built-in host.");

    public FixtureTruth Truth { get; private set; } = null!;

    /// <summary>Held-out prompts (disjoint from the ones the baseline was calibrated on): 40 of each kind.</summary>
    public PromptSet Prompts { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public PlantedSet Set(PlantedKind kind) => Truth.Sets.First(s => s.Kind == kind);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDir);
        Daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = _dataDir, LogLevel = "Warning", Metrics = new NeuronGuard.Daemon.Metrics.MetricsOptions { Listen = "" },
        });
        Truth = FixtureTruth.Load(Path.Combine(FixtureBootstrap.EnsureModel(_dataDir), FixtureTruth.FileName));
        Prompts = FixturePrompts.Generate(Truth, new PromptCounts
        {
            DiscoveryPositive = 0, DiscoveryBenign = 0, CalibrationBenign = 600, HeldOutPositive = 40, HeldOutBenign = 40,
        }).HeldOut;
        Channel = GrpcChannel.ForAddress(Daemon.Address);
    }

    /// <summary>Control.SetMitigation for one set in one tenant scope; returns the new policy version.</summary>
    public async Task<ulong> SetMitigationAsync(string set, MitigationMode mode, string tenant, GainPreset preset = GainPreset.Aura, float strength = 1f, uint topK = 0)
    {
        var response = await Channel.AsyncUnaryCall(BuiltinHostMethods.SetMitigation, new SetMitigationRequest
        {
            Set = set, Mode = mode, Strength = strength, Preset = preset, Tenant = tenant, TopK = topK, Reason = "end-to-end test",
        });
        return response.Policy.Version;
    }

    /// <summary>Waits until the built-in host acknowledged <paramref name="version"/> (policy pushes are asynchronous).</summary>
    public async Task WaitForPolicyAsync(ulong version)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (Host.PolicyVersion < version)
        {
            Assert.True(DateTime.UtcNow < until, $"the built-in host still runs policy {Host.PolicyVersion}, not {version}");
            await Task.Delay(20);
        }
    }

    public async Task<ulong> ApplyAsync(string set, MitigationMode mode, string tenant, GainPreset preset = GainPreset.Aura, float strength = 1f)
    {
        ulong version = await SetMitigationAsync(set, mode, tenant, preset, strength);
        await WaitForPolicyAsync(version);
        return version;
    }

    public Task<HostedResult> GreedyAsync(string prompt, string tenant, int maxNewTokens = 6) =>
        Host.GenerateAsync(prompt, new GenerationOptions { MaxNewTokens = maxNewTokens }, tenant);

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (Daemon is not null)
        {
            await Daemon.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FixtureDaemonCollection : ICollectionFixture<FixtureDaemon>
{
    public const string Name = "fixture daemon";
}
