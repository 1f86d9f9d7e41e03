using NeuronGuard.Api.V1;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// Prebuilt messages for one request of <see cref="Steps"/> decode steps, built once and reused by every request of
/// every stream (they are only read while serialised), so the client spends its time on the wire, not on building
/// frames. Values sit near each slot's benign mean with a small wobble (a flat safety neuron would raise the
/// integrity alarm, and real activations move), so the daemon does its ordinary clean-request work.
/// </summary>
internal sealed class LiveFrames
{
    public const string RequestId = "r";

    private LiveFrames(int slots, int stepsPerFrame, ModelServerMessage[] frames)
    {
        Slots = slots;
        StepsPerFrame = stepsPerFrame;
        Frames = frames;
    }

    public int Slots { get; }

    /// <summary>1 for decode frames; more for prefill-style blocks.</summary>
    public int StepsPerFrame { get; }

    /// <summary>Frame k carries steps k × StepsPerFrame … (k + 1) × StepsPerFrame − 1 of the request.</summary>
    public ModelServerMessage[] Frames { get; }

    /// <summary>The last step each frame covers, as its Verdict reports it.</summary>
    public uint LastStep(int frame) => (uint)((frame + 1) * StepsPerFrame - 1);

    public static ModelServerMessage Start { get; } = new() { RequestStart = new RequestStart { RequestId = RequestId, Tenant = "bench-live" } };

    public static ModelServerMessage End { get; } = new() { RequestEnd = new RequestEnd { RequestId = RequestId } };

    public static LiveFrames For(MonitorPlan plan, int frames, int stepsPerFrame = 1) => Build(plan, frames, stepsPerFrame, offsetStds: 0);

    /// <summary>
    /// Frames whose every slot sits <paramref name="offsetStds"/> benign standard deviations above its mean: far
    /// outside the benign range, so the request is flagged (the soak's flagged half).
    /// </summary>
    public static LiveFrames Flagged(MonitorPlan plan, int frames, float offsetStds = 12) => Build(plan, frames, 1, offsetStds);

    private static LiveFrames Build(MonitorPlan plan, int frames, int stepsPerFrame, float offsetStds)
    {
        var means = plan.Baseline.Slots.ToDictionary(s => s.Neuron);
        var order = plan.Slots;
        var messages = new ModelServerMessage[frames];
        var row = new float[stepsPerFrame * order.Count];
        for (int f = 0; f < frames; f++)
        {
            for (int t = 0; t < stepsPerFrame; t++)
            {
                int step = f * stepsPerFrame + t;
                for (int i = 0; i < order.Count; i++)
                {
                    var b = means[order[i]];
                    row[t * order.Count + i] = b.Mean + (offsetStds + 0.3f * MathF.Sin(1.7f * step + i)) * b.Std;
                }
            }
            var a = new Activations { RequestId = RequestId, FirstStep = (uint)(f * stepsPerFrame), Steps = (uint)stepsPerFrame };
            a.Values.Add(row);
            messages[f] = new ModelServerMessage { Activations = a };
        }
        return new LiveFrames(order.Count, stepsPerFrame, messages);
    }
}
