using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Offline.Evaluation;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Trained;

/// <summary>One request's final score per detector and the frame at which each detector first flagged it (0 = the prompt's prefill frame, k = decode step k, −1 = never).</summary>
internal sealed record RequestOutcome(float[] Scores, int[] FirstFlagFrame);

/// <summary>
/// Scores texts as the live stream would: the prompt as one prefill frame, then one frame per greedy decode step
/// (<see cref="PromptRunner"/>), fed to a <see cref="RequestScorer"/> frame by frame so the first flagging frame is known.
/// </summary>
internal static class TrainedScores
{
    public static List<RequestOutcome> Score(MonitorPlan plan, PromptRunner runner, IEnumerable<string> texts)
    {
        var outcomes = new List<RequestOutcome>();
        foreach (var text in texts)
        {
            var request = runner.Run(text);
            var values = request.Values();
            using var scorer = plan.Rent();
            var first = Enumerable.Repeat(-1, plan.Detectors.Count).ToArray();
            int offset = 0;
            for (int f = 0; f < request.Frames.Count; f++)
            {
                var (step, steps) = request.Frames[f];
                int n = steps * request.Slots;
                if (scorer.Feed(step, steps, values.AsSpan(offset, n)) != FrameStatus.Ok)
                {
                    throw new InvalidOperationException($"the scorer refused frame {f} of '{text}'.");
                }
                offset += n;
                for (int d = 0; d < first.Length; d++)
                {
                    if (first[d] < 0 && scorer.Results[d].Flag)
                    {
                        first[d] = f;
                    }
                }
            }
            outcomes.Add(new RequestOutcome(scorer.Results.ToArray().Select(r => r.Score).ToArray(), first));
        }
        return outcomes;
    }

    public static int Index(MonitorPlan plan, DetectorKind kind) => plan.Detectors.ToList().FindIndex(d => d.Kind == kind);

    public static double Auroc(List<RequestOutcome> positive, List<RequestOutcome> negative, int detector) =>
        ScoreAuroc.Compute(positive.Select(o => o.Scores[detector]).ToList(), negative.Select(o => o.Scores[detector]).ToList());

    /// <summary>Share of requests flagged by detector <paramref name="detector"/> at or before frame <paramref name="lastFrame"/>.</summary>
    public static double FlaggedBy(List<RequestOutcome> outcomes, int detector, int lastFrame = int.MaxValue) =>
        outcomes.Count(o => o.FirstFlagFrame[detector] >= 0 && o.FirstFlagFrame[detector] <= lastFrame) / (double)outcomes.Count;

    public static double Mean(List<RequestOutcome> outcomes, int detector) => outcomes.Average(o => o.Scores[detector]);
}
