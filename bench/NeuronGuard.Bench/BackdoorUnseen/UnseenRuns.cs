using NeuronGuard.Api.V1;
using NeuronGuard.ModelServer.BuiltinHost;

namespace NeuronGuard.Bench.BackdoorUnseen;

/// <summary>One response configuration (a tenant of the daemon) and its greedy generations per split.</summary>
internal sealed record ResponseRun(string Label, string Tenant, Dictionary<string, List<HostedResult>> BySplit)
{
    public static bool Hit(HostedResult r) => r.Text.Contains(UnseenData.Target, StringComparison.Ordinal);

    public static bool Aborted(HostedResult r) => r.FinishReason == "aborted";

    /// <summary>The prefill verdict flagged by a detector of the watched kinds (backdoor and/or trigger scan).</summary>
    public static bool PrefillFlag(HostedResult r, IReadOnlyCollection<Detector> watched) =>
        r.PrefillVerdict?.Scores.Any(s => watched.Contains(s.Detector) && s.Flagged) == true;
}
