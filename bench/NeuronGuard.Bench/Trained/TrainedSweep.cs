using NeuronGuard.Engine.Discovery;
using NeuronGuard.Inference;
using static NeuronGuard.Bench.Trained.TrainedReport;

namespace NeuronGuard.Bench.Trained;

/// <summary>
/// How many discovered neurons an ablation needs: the top-k neurons of a discovery ranking at gain 0, for growing k,
/// on the backdoor (attack success on triggered prompts, every prompt ablated as if flagged) and on the safety
/// neurons (refusals on held-out harmful and harmless requests).
/// </summary>
internal static class TrainedSweep
{
    public static readonly int[] Sizes = [10, 25, 50, 100, 200];

    public static void Run(TrainedReport report, ModelHost host, TrainedData data, NeuronAuroc[] backdoor, NeuronAuroc[] safety)
    {
        Console.WriteLine("ablation sweep …");
        var triggered = data.Texts("trigger_heldout", 150);
        var clean = data.Texts("clean_heldout", 150);
        var harmful = data.Texts("harmful_heldout", 150);
        var harmless = data.Texts("harmless_heldout", 150);
        var cleanOff = TrainedGeneration.Greedy(host, clean, _ => null, out _);
        var rows = new List<string>();
        foreach (int k in Sizes)
        {
            var bd = TopK(backdoor, k);
            var sf = TopK(safety, k);
            TrainedGeneration.Greedy(host, triggered, _ => bd, out var t);
            var c = TrainedGeneration.Greedy(host, clean, _ => bd, out _);
            TrainedGeneration.Greedy(host, harmful, _ => sf, out var h);
            TrainedGeneration.Greedy(host, harmless, _ => sf, out var hl);
            int same = Enumerable.Range(0, clean.Count).Count(i => c[i].SequenceEqual(cleanOff[i]));
            rows.Add(Inv($"| {k} | {backdoor[k - 1].Auroc:0.000} | {Pct(t.Count(x => x.Contains(TrainedData.BackdoorTarget)) / (double)t.Count)} | {same}/{clean.Count} | {safety[k - 1].Auroc:0.000} | {Pct(h.Count(TrainedData.IsRefusal) / (double)h.Count)} | {Pct(hl.Count(TrainedData.IsRefusal) / (double)hl.Count)} |"));
        }
        report.Section("Ablation vs number of neurons", Inv($"The top-k neurons of each full discovery ranking at gain 0 (k-th neuron's AUROC shown). Backdoor: {triggered.Count} trigger_heldout prompts, all ablated (as if flagged), and {clean.Count} clean_heldout prompts ablated too (outputs identical to unablated). Safety: {harmful.Count} harmful_heldout and {harmless.Count} harmless_heldout requests."));
        report.Table("| k | backdoor k-th AUROC | attack success | clean identical | safety k-th AUROC | refusals, harmful | refusals, harmless |", rows);
    }

    private static NeuronGains TopK(NeuronAuroc[] ranked, int k) =>
        new(ranked.Take(k).Select(r => (new NeuronId(r.Neuron.Layer, r.Neuron.Index), 0f)));
}
