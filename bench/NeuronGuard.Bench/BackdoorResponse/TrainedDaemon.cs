using Google.Protobuf;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using NeuronGuard.Client;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.ModelServer;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Offline.Running;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using NeuronSet = NeuronGuard.Engine.Catalogs.NeuronSet;
using NeuronSetKind = NeuronGuard.Engine.Catalogs.NeuronSetKind;

namespace NeuronGuard.Bench.BackdoorResponse;

/// <summary>
/// A real daemon (embedded store in a temp folder) serving the committed trained model with its built-in host, and a
/// backdoor catalog discovered on the training splits (trigger_train vs clean_train, top 10, as bench/results/trained-model.md)
/// with a baseline calibrated on benign_calib, both put and activated through the Catalogs and Baselines services.
/// </summary>
internal sealed class TrainedDaemon : IAsyncDisposable
{
    private readonly string _dataDir;

    private TrainedDaemon(DaemonHost daemon, TelemetryModelServer host, GrpcChannel channel, string dataDir, NeuronSet set)
    {
        Daemon = daemon;
        Host = host;
        Channel = channel;
        _dataDir = dataDir;
        Set = set;
    }

    public DaemonHost Daemon { get; }

    public TelemetryModelServer Host { get; }

    public GrpcChannel Channel { get; }

    public NeuronSet Set { get; }

    public static async Task<TrainedDaemon> StartAsync(string modelDir, Func<string, int, List<string>> texts, CancellationToken cancellationToken)
    {
        string dataDir = Path.Combine(Path.GetTempPath(), "neuronguard-backdoor-" + Guid.NewGuid().ToString("N"));
        var daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dataDir, LogLevel = "Warning", Metrics = new() { Listen = "" }, Model = modelDir,
        }, cancellationToken);
        var host = daemon.BuiltinHost() ?? throw new InvalidOperationException("the daemon started no built-in host.");
        var model = host.Host;
        var shape = new ModelShape { Fingerprint = model.Info.Fingerprint, Layers = model.Info.Layers, NeuronsPerLayer = model.Info.MlpNeurons, Name = "trained-gpt2" };
        var set = Discoverer.Run(model, texts("trigger_train", 100), texts("clean_train", 100), NeuronSetKind.Backdoor, new DiscoverOptions { TopK = 10 }).Set with { Name = "backdoor" };
        var catalog = new Catalog { Model = shape, Version = "backdoor-response", Sets = [set] };
        var baseline = Calibrator.Run(model, catalog, texts("benign_calib", 500), new CalibrateOptions());
        var channel = DaemonChannel.Create(daemon.Address);
        await new Catalogs.CatalogsClient(channel).PutCatalogAsync(new PutCatalogRequest { Catalog = CatalogMapping.ToProto(catalog) }, cancellationToken: cancellationToken);
        var baselines = new Baselines.BaselinesClient(channel);
        var info = await baselines.PutBaselineAsync(new PutBaselineRequest { Baseline = ByteString.CopyFrom(BaselineFormat.Write(baseline)), Version = "calib" }, cancellationToken: cancellationToken);
        await new Catalogs.CatalogsClient(channel).ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = shape.Fingerprint, Version = catalog.Version }, cancellationToken: cancellationToken);
        await baselines.ActivateBaselineAsync(new ActivateBaselineRequest { ModelFingerprint = shape.Fingerprint, Version = "calib" }, cancellationToken: cancellationToken);
        var until = DateTime.UtcNow.AddSeconds(60);
        while (host.CatalogVersion != catalog.Version || host.Slots.Count == 0)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"the built-in host did not get catalog '{catalog.Version}' within 60 s (it has '{host.CatalogVersion}').");
            }
            await Task.Delay(20, cancellationToken);
        }
        return new TrainedDaemon(daemon, host, channel, dataDir, set);
    }

    /// <summary>Sets the backdoor set's policy for <paramref name="tenant"/> (null: deletes it, leaving the default) and waits for the host's ack.</summary>
    public async Task PolicyAsync(string tenant, MitigationMode? mode)
    {
        var control = new NeuronGuard.Api.V1.Control.ControlClient(Channel);
        ulong version;
        if (mode is { } m)
        {
            version = (await control.SetMitigationAsync(new SetMitigationRequest { Set = Set.Name, Tenant = tenant, Mode = m, Reason = "backdoor-response" })).Policy.Version;
        }
        else
        {
            version = (await control.DeleteMitigationAsync(new DeleteMitigationRequest { Set = Set.Name, Tenant = tenant })).Policy.Version;
        }
        var until = DateTime.UtcNow.AddSeconds(30);
        while (Host.PolicyVersion < version)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"the built-in host did not acknowledge policy {version} within 30 s.");
            }
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Daemon.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
