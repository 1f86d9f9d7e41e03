using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// Which verdicts one live watcher gets. <see cref="Detector"/> keeps verdicts that carry that detector's score (and,
/// with <see cref="FlaggedOnly"/>, only those where it flagged); <see cref="Model"/> matches the model server's
/// model_id, the model fingerprint (any case) or the catalog's model name. Empty or unspecified: no filter.
/// </summary>
public sealed record VerdictFilter(bool FlaggedOnly, string Tenant, Detector Detector = Detector.Unspecified, string Model = "")
{
    public bool Matches(VerdictSource source, string tenant, Verdict verdict)
    {
        if (Tenant.Length > 0 && Tenant != tenant)
        {
            return false;
        }
        if (Model.Length > 0 && Model != source.ModelId && Model != source.ModelName
            && !string.Equals(Model, source.Fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (Detector == Detector.Unspecified)
        {
            return !FlaggedOnly || verdict.Flagged;
        }
        foreach (var score in verdict.Scores)
        {
            if (score.Detector == Detector)
            {
                return !FlaggedOnly || score.Flagged;
            }
        }
        return false;
    }
}
