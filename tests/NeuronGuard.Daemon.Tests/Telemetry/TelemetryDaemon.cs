using NeuronGuard.ModelServer;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Engine.Scoring;
using Grpc.Net.Client;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// A real daemon on the embedded default (planted fixture bootstrapped into a temp store) for tests that speak the
/// Telemetry stream themselves. Frames are synthesised from the baseline: every slot at its benign mean, with one
/// planted neuron pushed far outside its distribution when a test wants a flag.
/// </summary>
public sealed class TelemetryDaemon : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ng-telemetry-" + Guid.NewGuid().ToString("N"));

    public DaemonHost Daemon { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public string Fingerprint { get; private set; } = "";

    public ModelPlan Plan { get; private set; } = null!;

    public FixtureTruth Truth { get; private set; } = null!;

    public int Slots => Plan.Plan!.Slots.Count;

    public async Task InitializeAsync()
    {
        Daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0",
            DataDir = _dir,
            LogLevel = "Warning",
            Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
            Telemetry = new() { VerdictQueueLimit = 64, StreamQueueLimit = 2000 },
        });
        Channel = GrpcChannel.ForAddress(Daemon.Address);
        Fingerprint = Daemon.BuiltinHost()!.Host.Info.Fingerprint;
        Plan = Daemon.Context.Plans.Get(Fingerprint);
        Truth = FixtureTruth.Load(Path.Combine(_dir, "fixture", FixtureTruth.FileName));
    }

    /// <summary>The slot of the first planted neuron of <paramref name="kind"/>.</summary>
    public int SlotOf(PlantedKind kind)
    {
        var n = Truth.Sets.First(s => s.Kind == kind).Neurons[0];
        Assert.True(Plan.Plan!.Layout.TryGetSlot(new Engine.NeuronRef(n.Layer, n.Neuron), out int slot));
        return slot;
    }

    /// <summary><paramref name="steps"/> rows near the benign means; <paramref name="spikeSlot"/> (if ≥ 0) gets mean + 50 std from step 1 on.</summary>
    public float[] Frame(int steps, int spikeSlot = -1, int firstStep = 0)
    {
        var baseline = Plan.Plan!.Baseline.Slots;
        var order = Plan.Plan.Slots;
        var byNeuron = baseline.ToDictionary(s => s.Neuron);
        var values = new float[steps * order.Count];
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < order.Count; i++)
            {
                var b = byNeuron[order[i]];
                // A small deterministic wobble: real activations move, and constant safety neurons are the integrity alarm.
                float wobble = 0.3f * b.Std * MathF.Sin(1.7f * (firstStep + t) + i);
                values[t * order.Count + i] = i == spikeSlot && firstStep + t >= 1 ? b.Mean + 50 * Math.Max(b.Std, 0.1f) + 20 : b.Mean + wobble;
            }
        }
        return values;
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
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TelemetryDaemonCollection : ICollectionFixture<TelemetryDaemon>
{
    public const string Name = "telemetry daemon";
}
