using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Tests.TrainedModelV2;

/// <summary>
/// tests/models/trained-gpt2-v2 loaded once (one thread) with its toxicity set discovered as the README tells an
/// operator to for the paper's AurA: <c>discover --min-auroc 0.5</c> without <c>--top-k</c>, on toxic_disc vs
/// toxic_neg_disc (discovery splits only), every MLP neuron of every layer scored.
/// </summary>
public sealed class AuraV2Fixture : IDisposable
{
    public AuraV2Fixture()
    {
        Host = ModelHost.Load(ModelDir, new ModelHostOptions { Threads = 1 });
        Discovery = Discoverer.Run(Host, Texts("toxic_disc"), Texts("toxic_neg_disc"), NeuronSetKind.Toxicity,
            new DiscoverOptions { SetName = "toxicity", MinAuroc = 0.5 });
        var model = new ModelShape { Fingerprint = Host.Info.Fingerprint, Layers = Host.Info.Layers, NeuronsPerLayer = Host.Info.MlpNeurons };
        Layout = SlotLayout.From(new Catalog { Model = model, Version = "aura-v2-tests", Sets = [Discovery.Set] });
    }

    public static string ModelDir => Path.Combine(Path.GetDirectoryName(TrainedModel.TrainedModelFixture.ModelDir)!, "trained-gpt2-v2");

    public ModelHost Host { get; }

    public DiscoveryResult Discovery { get; }

    public SlotLayout Layout { get; }

    public List<string> Texts(string split, int take = int.MaxValue) => JsonlTexts.Read(Path.Combine(ModelDir, "data", split + ".jsonl")).Take(take).ToList();

    /// <summary>The gain of every catalogued neuron under a preset, as the daemon computes it for a policy.</summary>
    public Dictionary<NeuronRef, float> Gains(MitigationPreset preset, double strength, int topK)
    {
        var gains = new float[Layout.Count];
        MitigationGains.Compute(Layout, "toxicity", preset, strength, topK, gains);
        return Layout.Slots.Select((s, i) => (s, g: gains[i])).ToDictionary(x => x.s, x => x.g);
    }

    public void Dispose() => Host.Dispose();
}
