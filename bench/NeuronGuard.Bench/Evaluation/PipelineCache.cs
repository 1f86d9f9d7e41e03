using NeuronGuard.Offline.Evaluation.Baselines;

namespace NeuronGuard.Bench.Evaluation;

/// <summary>A <see cref="PipelineResult"/> as JSON (<c>evaluate --cache DIR</c>): re-render the report without rerunning the model.</summary>
internal sealed record PipelineCache(string Label, string Fingerprint, Dictionary<string, Dictionary<string, List<Scored>>> Scores,
    Dictionary<string, int> Sizes, Dictionary<string, List<SetSizeCandidate>> SizeTables, Dictionary<string, string> ProbeNotes, Dictionary<string, double> Seconds, Dictionary<string, float> Thresholds)
{
    public static PipelineCache From(PipelineResult r) => new(r.Label, r.Fingerprint, r.Scores, r.Sizes,
        r.SizeTables.ToDictionary(p => p.Key, p => p.Value.ToList()), r.ProbeNotes, r.Seconds, r.Thresholds);

    public PipelineResult ToResult()
    {
        var r = new PipelineResult { Label = Label, Fingerprint = Fingerprint };
        foreach (var (split, columns) in Scores)
        {
            foreach (var (column, list) in columns)
            {
                list.ForEach(s => r.Add(split, column, s));
            }
        }
        foreach (var (k, v) in Sizes) { r.Sizes[k] = v; }
        foreach (var (k, v) in SizeTables) { r.SizeTables[k] = v; }
        foreach (var (k, v) in ProbeNotes) { r.ProbeNotes[k] = v; }
        foreach (var (k, v) in Seconds) { r.Seconds[k] = v; }
        foreach (var (k, v) in Thresholds) { r.Thresholds[k] = v; }
        return r;
    }
}
