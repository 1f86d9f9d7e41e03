using NeuronGuard.Engine;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Evaluation.Baselines;

/// <summary>
/// One model pass per prompt that captures every MLP neuron (slot = layer × neurons-per-layer + index) the way a
/// monitored server streams them (<see cref="PromptRunner"/>: prefill frame, then greedy decode frames). The detector,
/// its random-set controls and the probes over all neurons then read the same pass, so they differ only in which
/// neurons they look at, and the evaluation runs the model once per prompt instead of once per control.
/// </summary>
public sealed class AllNeuronCapture : IDisposable
{
    private readonly PromptRunner _runner;

    public AllNeuronCapture(ModelHost host, int decodeSteps = 4)
    {
        Layers = host.Info.Layers;
        NeuronsPerLayer = host.Info.MlpNeurons;
        var all = new List<NeuronRef>(Layers * NeuronsPerLayer);
        for (int l = 0; l < Layers; l++)
        {
            for (int i = 0; i < NeuronsPerLayer; i++)
            {
                all.Add(new NeuronRef(l, i));
            }
        }
        _runner = new PromptRunner(host, all) { DecodeSteps = decodeSteps };
    }

    public int Layers { get; }

    public int NeuronsPerLayer { get; }

    public CapturedRequest Run(string text) => _runner.Run(text);

    /// <summary>The capture slot of <paramref name="neuron"/>.</summary>
    public int Slot(NeuronRef neuron) => neuron.Layer * NeuronsPerLayer + neuron.Index;

    /// <summary>The capture slots of a plan's slots, in the plan's order.</summary>
    public int[] Slots(IReadOnlyList<NeuronRef> neurons) => neurons.Select(Slot).ToArray();

    /// <summary>Every neuron's max over the request's steps (the probes' feature, as <c>train-probe</c> pools it).</summary>
    public static float[] PooledMax(CapturedRequest request) => Jobs.TrainProbeJob.PooledMax(request);

    /// <summary>
    /// Feeds <paramref name="scorer"/> the request frame by frame as the live stream would, packing only the plan's
    /// slots (<paramref name="planSlots"/>: capture slot of each plan slot, from <see cref="Slots"/>).
    /// </summary>
    public static void Feed(RequestScorer scorer, CapturedRequest request, float[] values, int[] planSlots)
    {
        int offset = 0;
        foreach (var (first, steps) in request.Frames)
        {
            var packed = new float[steps * planSlots.Length];
            for (int t = 0; t < steps; t++)
            {
                int row = offset + t * request.Slots;
                for (int j = 0; j < planSlots.Length; j++)
                {
                    packed[t * planSlots.Length + j] = values[row + planSlots[j]];
                }
            }
            var status = scorer.Feed(first, steps, packed);
            if (status != FrameStatus.Ok)
            {
                throw new InvalidOperationException($"the scorer refused frame at step {first} ({steps} steps): {status}.");
            }
            offset += steps * request.Slots;
        }
    }

    public void Dispose() => _runner.Dispose();
}
