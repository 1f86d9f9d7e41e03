namespace NeuronGuard.Offline.Evaluation.Baselines;

/// <summary>Mean and range of one figure over repeated draws (the random-neuron control is reported this way).</summary>
public sealed record RangeSummary(double Mean, double Min, double Max, int Count)
{
    public static RangeSummary Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0)
        {
            throw new ArgumentException("a summary needs at least one value.", nameof(values));
        }
        return new RangeSummary(v.Average(), v.Min(), v.Max(), v.Length);
    }
}
