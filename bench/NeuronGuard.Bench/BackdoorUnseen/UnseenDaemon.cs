using Google.Protobuf;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using NeuronGuard.Client;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.ModelServer;
using NeuronGuard.ModelServer.BuiltinHost;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;

namespace NeuronGuard.Bench.BackdoorUnseen;

/// <summary>
/// A real daemon (embedded store in a temp folder) whose built-in host serves a model folder, with a catalog and baseline
/// made by the caller, both put and activated through the Catalogs and Baselines services (TrainedDaemon serves v1 through it).
/// </summary>
internal sealed class UnseenDaemon : IAsyncDisposable
{
    private readonly string _dataDir;

    private UnseenDaemon(DaemonHost daemon, TelemetryModelServer host, GrpcChannel channel, string dataDir, Catalog catalog)
    {
        Daemon = daemon;
        Host = host;
        Channel = channel;
        _dataDir = dataDir;
        Catalog = catalog;
    }

    public DaemonHost Daemon { get; }

    public TelemetryModelServer Host { get; }

    public GrpcChannel Channel { get; }

    public Catalog Catalog { get; }

    /// <summary>Starts the daemon on <paramref name="modelDir"/>, its trigger scan set as in <paramref name="scan"/>; <paramref name="make"/> builds the catalog and baseline from its model host.</summary>
    public static async Task<UnseenDaemon> StartAsync(string modelDir, NeuronGuard.Engine.Detectors.DetectorOptions scan, Func<NeuronGuard.Inference.ModelHost, (Catalog, Baseline)> make, CancellationToken cancellationToken)
    {
        string dataDir = Path.Combine(Path.GetTempPath(), "neuronguard-unseen-" + Guid.NewGuid().ToString("N"));
        var daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dataDir, LogLevel = "Warning", Metrics = new() { Listen = "" }, Model = modelDir,
            TriggerScan = new NeuronGuard.Daemon.Monitoring.TriggerScanOptions { Signal = scan.TriggerScanSignal, TopM = scan.TriggerScanTopM },
        }, cancellationToken);
        var host = daemon.BuiltinHost() ?? throw new InvalidOperationException("the daemon started no built-in host.");
        var (catalog, baseline) = make(host.Host);
        var channel = DaemonChannel.Create(daemon.Address);
        var catalogs = new Catalogs.CatalogsClient(channel);
        await catalogs.PutCatalogAsync(new PutCatalogRequest { Catalog = CatalogMapping.ToProto(catalog) }, cancellationToken: cancellationToken);
        var baselines = new Baselines.BaselinesClient(channel);
        await baselines.PutBaselineAsync(new PutBaselineRequest { Baseline = ByteString.CopyFrom(BaselineFormat.Write(baseline)), Version = "calib" }, cancellationToken: cancellationToken);
        await catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = catalog.Model.Fingerprint, Version = catalog.Version }, cancellationToken: cancellationToken);
        await baselines.ActivateBaselineAsync(new ActivateBaselineRequest { ModelFingerprint = catalog.Model.Fingerprint, Version = "calib" }, cancellationToken: cancellationToken);
        var until = DateTime.UtcNow.AddSeconds(60);
        while (host.CatalogVersion != catalog.Version || host.Slots.Count == 0)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"the built-in host did not get catalog '{catalog.Version}' within 60 s (it has '{host.CatalogVersion}').");
            }
            await Task.Delay(20, cancellationToken);
        }
        return new UnseenDaemon(daemon, host, channel, dataDir, catalog);
    }

    /// <summary>
    /// Sets the policy of <paramref name="only"/> (every catalog set when null) for <paramref name="tenant"/> to
    /// <paramref name="mode"/> (null: deletes the entry, leaving the set's default) and waits for the host's ack.
    /// </summary>
    public async Task PolicyAsync(string tenant, MitigationMode? mode, string? only = null)
    {
        var control = new NeuronGuard.Api.V1.Control.ControlClient(Channel);
        ulong version = 0;
        foreach (var set in Catalog.Sets.Where(s => only is null || s.Name == only))
        {
            version = mode is { } m
                ? (await control.SetMitigationAsync(new SetMitigationRequest { Set = set.Name, Tenant = tenant, Mode = m, Reason = "bench" })).Policy.Version
                : (await control.DeleteMitigationAsync(new DeleteMitigationRequest { Set = set.Name, Tenant = tenant })).Policy.Version;
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
