using NeuronGuard.Api.V1;
using NeuronGuard.Bench.BackdoorUnseen;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Offline.Running;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using NeuronSet = NeuronGuard.Engine.Catalogs.NeuronSet;
using NeuronSetKind = NeuronGuard.Engine.Catalogs.NeuronSetKind;

namespace NeuronGuard.Bench.BackdoorResponse;

/// <summary>
/// The v1 trained model served by a real daemon (<see cref="UnseenDaemon"/> does the serving) with a backdoor catalog
/// discovered on its training splits (trigger_train vs clean_train, top 10, as v1's report did) and a baseline
/// calibrated on benign_calib.
/// </summary>
internal sealed class TrainedDaemon : IAsyncDisposable
{
    private readonly UnseenDaemon _served;

    private TrainedDaemon(UnseenDaemon served, NeuronSet set)
    {
        _served = served;
        Set = set;
    }

    public TelemetryModelServer Host => _served.Host;

    public NeuronSet Set { get; }

    public static async Task<TrainedDaemon> StartAsync(string modelDir, Func<string, int, List<string>> texts, CancellationToken cancellationToken)
    {
        NeuronSet? set = null;
        var served = await UnseenDaemon.StartAsync(modelDir, new NeuronGuard.Engine.Detectors.DetectorOptions(), model =>
        {
            var shape = new ModelShape { Fingerprint = model.Info.Fingerprint, Layers = model.Info.Layers, NeuronsPerLayer = model.Info.MlpNeurons, Name = "trained-gpt2" };
            set = Discoverer.Run(model, texts("trigger_train", 100), texts("clean_train", 100), NeuronSetKind.Backdoor, new DiscoverOptions { TopK = 10 }).Set with { Name = "backdoor" };
            var catalog = new Catalog { Model = shape, Version = "backdoor-response", Sets = [set] };
            return (catalog, Calibrator.Run(model, catalog, texts("benign_calib", 500), new CalibrateOptions()));
        }, cancellationToken);
        return new TrainedDaemon(served, set!);
    }

    /// <summary>Sets the backdoor set's policy for <paramref name="tenant"/> (null: deletes it, leaving the default) and waits for the host's ack.</summary>
    public Task PolicyAsync(string tenant, MitigationMode? mode) => _served.PolicyAsync(tenant, mode, Set.Name);

    public ValueTask DisposeAsync() => _served.DisposeAsync();
}
