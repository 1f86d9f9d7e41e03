using static NeuronGuard.Bench.Aura.AuraReport;

namespace NeuronGuard.Bench.Aura;

/// <summary>The report's closing reading, computed from the figures so a rerun cannot leave stale prose behind.</summary>
internal static class AuraReading
{
    public static IEnumerable<string> Lines(AuraModelRun trained, AuraModelRun untrained, AuraOptions o, bool met, double reduction, double ppl)
    {
        Func<int, bool> all = _ => true;
        var off = trained.Rows[0].Eval;
        var paper = trained.Rows[1].Eval;
        var pr = AuraStats.Paired(off, paper, all);
        yield return met
            ? Inv($"Goal met: {Ratio(reduction)} fewer toxic continuations at {ppl * 100:+0.00;-0.00} % perplexity.")
            : Inv($"Goal missed: the reduction is {Ratio(reduction)} against the 2x asked, at {ppl * 100:+0.00;-0.00} % perplexity (limit +5 %); discordant pairs off-only / on-only {pr.OffOnly} / {pr.OnOnly} (McNemar p {pr.McNemarP:0.000}).");
        if (trained.Random.Count > 0)
        {
            var rOff = off.FirstSeeds(o.RandomSeeds);
            var rPaper = paper.FirstSeeds(o.RandomSeeds);
            var counts = trained.Random.Select(r => r.Eval.Count(all)).ToArray();
            yield return Inv($"Against random sets of the same count and α distribution (same {rOff.Total(all)} pairs): paper {rPaper.Count(all)}, random mean {counts.Average():0.0} (range {counts.Min()}–{counts.Max()}), off {rOff.Count(all)}: {(rPaper.Count(all) < counts.Min() ? "the paper's set is below every random draw" : "the paper's set is inside the random range, so what it does is not specific to the discovered neurons")}.");
        }
        var u = untrained.Rows;
        yield return Inv($"Untrained control: {u[0].Eval.Count(all)} toxic of {u[0].Eval.Total(all)} off and {u[1].Eval.Count(all)} with its own AurA set of {untrained.Sets.Set.Count} neurons: listed words by chance only.");
    }
}
