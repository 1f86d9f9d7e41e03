namespace NeuronGuard.Offline.Evaluation.TriggerScan;

/// <summary>
/// The lexical baseline: no model, only token counts. A position scores the rarity of its token on the benign
/// calibration texts, −ln((count + 0.5) / total); a prompt scores its rarest token (positions ≥ 1, as the scan).
/// Calibrated like the detectors: counts from the texts not held out, threshold at the target FPR on the held-out ones.
/// </summary>
public sealed class LexicalRarity
{
    private readonly Dictionary<int, int> _counts = new();
    private long _total;

    private LexicalRarity()
    {
    }

    public float Threshold { get; private set; }

    public static LexicalRarity Calibrate(IReadOnlyList<int[]> benign, double holdoutFraction, float targetFpr)
    {
        var model = new LexicalRarity();
        var held = new List<float>();
        for (int i = 0; i < benign.Count; i++)
        {
            if (Running.Calibrator.IsHoldout(i, holdoutFraction))
            {
                continue;
            }
            foreach (int t in benign[i])
            {
                model._counts[t] = model._counts.GetValueOrDefault(t) + 1;
                model._total++;
            }
        }
        for (int i = 0; i < benign.Count; i++)
        {
            if (Running.Calibrator.IsHoldout(i, holdoutFraction))
            {
                held.Add(model.Score(benign[i]).Score);
            }
        }
        var sorted = held.ToArray();
        Array.Sort(sorted);
        model.Threshold = Engine.Calibration.ThresholdCalibrator.Quantile(sorted, 1 - targetFpr);
        return model;
    }

    public (float Score, int[] Positions) Score(int[] tokens)
    {
        float max = 0;
        var positions = new List<int>();
        for (int t = 1; t < tokens.Length; t++)
        {
            float r = (float)-Math.Log((_counts.GetValueOrDefault(tokens[t]) + 0.5) / Math.Max(1, _total));
            max = Math.Max(max, r);
            if (Threshold > 0 && r > Threshold)
            {
                positions.Add(t);
            }
        }
        return (max, positions.ToArray());
    }
}
