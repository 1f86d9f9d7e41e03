using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Discovery;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Trained;

/// <summary>One discovery run on the first n prompts of each side, compared with the run on all of them.</summary>
internal sealed record StabilityRow(string Kind, int Prompts, int TopOverlap, int Top, double MinTopAuroc, double Spearman);

/// <summary>
/// How discovery depends on data: the overlap of the top-k neurons found from n positive and n negative prompts
/// with the top-k from all of them, and the Spearman rank correlation of every neuron's AUROC between the two runs.
/// </summary>
internal static class TrainedStability
{
    public static List<StabilityRow> Run(ModelHost host, string kind, NeuronSetKind setKind, List<string> positive, List<string> negative, int[] sizes, int top)
    {
        var full = Discoverer.Run(host, positive, negative, setKind, new DiscoverOptions { TopK = top });
        var fullTop = full.Ranked.Take(top).Select(r => r.Neuron).ToHashSet();
        var rows = new List<StabilityRow>();
        foreach (int n in sizes.Where(n => n < Math.Min(positive.Count, negative.Count)))
        {
            var part = Discoverer.Run(host, positive.Take(n), negative.Take(n), setKind, new DiscoverOptions { TopK = top });
            int overlap = part.Ranked.Take(top).Count(r => fullTop.Contains(r.Neuron));
            rows.Add(new StabilityRow(kind, n, overlap, top, part.Ranked[top - 1].Auroc, Spearman(full.Ranked, part.Ranked)));
        }
        rows.Add(new StabilityRow(kind, Math.Min(positive.Count, negative.Count), top, top, full.Ranked[top - 1].Auroc, 1));
        return rows;
    }

    /// <summary>Spearman correlation of two rankings of the same neurons (positions as ranks; AUROC ties broken as ranked).</summary>
    private static double Spearman(NeuronAuroc[] a, NeuronAuroc[] b)
    {
        var pos = new Dictionary<NeuronRef, int>();
        for (int i = 0; i < b.Length; i++)
        {
            pos[b[i].Neuron] = i;
        }
        double n = a.Length, sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = i - pos[a[i].Neuron];
            sum += d * d;
        }
        return 1 - 6 * sum / (n * (n * n - 1));
    }

    /// <summary>Neurons two sets share.</summary>
    public static int Shared(NeuronSet a, NeuronSet b) => a.Neurons.Select(n => n.Ref).Intersect(b.Neurons.Select(n => n.Ref)).Count();
}
