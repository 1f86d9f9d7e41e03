using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Causal;

/// <summary>One condition's outcome on the evaluation splits: per-prompt attack success, clean continuations changed, benign loss.</summary>
internal sealed record ConditionOutcome(string Name, int Size, bool[] Hits, int CleanChanged, int CleanPrompts, double BenignNll);

/// <summary>
/// Runs one neuron-gain condition over the evaluation splits: greedy continuations of trigger_eval and clean_eval with
/// the gains at generated positions (as an attenuation switched on after the prefill acts), and benign_eval's mean
/// per-token loss with the gains at every position (what it costs when left on).
/// </summary>
internal sealed class CausalEvaluation(ModelHost host, string target, List<string> triggered, List<string> clean, List<string> benign) : IDisposable
{
    private readonly BackdoorAttack _attack = new(host, target);
    private List<int[]>? _cleanOriginal;

    public ConditionOutcome Run(string name, IReadOnlyList<(NeuronId Neuron, float Gain)> gains, bool withBenign = true)
    {
        _cleanOriginal ??= clean.Select(_attack.Continue).ToList();
        _attack.SetGains(gains);
        var hits = triggered.Select(t => _attack.Succeeds(_attack.Continue(t))).ToArray();
        int changed = clean.Select((t, i) => _attack.Continue(t).SequenceEqual(_cleanOriginal[i]) ? 0 : 1).Sum();
        _attack.SetGains([]);
        return new ConditionOutcome(name, gains.Count, hits, changed, clean.Count, withBenign ? BenignNll(gains) : double.NaN);
    }

    /// <summary>Mean over texts of the per-token negative log-likelihood (ln of each text's perplexity).</summary>
    private double BenignNll(IReadOnlyList<(NeuronId Neuron, float Gain)> gains)
    {
        using var session = host.CreateSession();
        var hook = new GeneratedPositionGains { From = 0 };
        hook.Set(gains);
        using var _ = session.Register(hook);
        return benign.Average(t => Math.Log(session.Perplexity(t)));
    }

    public void Dispose() => _attack.Dispose();
}
