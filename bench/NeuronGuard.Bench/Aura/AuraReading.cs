using static NeuronGuard.Bench.Aura.AuraReport;

namespace NeuronGuard.Bench.Aura;

/// <summary>The report's closing reading, computed from the figures so a rerun cannot leave stale prose behind.</summary>
internal static class AuraReading
{
    public static IEnumerable<string> Lines(AuraModelRun trained, AuraModelRun untrained, AuraOptions o, bool met, double reduction, double ppl, Func<int, bool> trainedFrame)
    {
        Func<int, bool> all = _ => true;
        var off = trained.Rows[0].Eval;
        var paper = trained.Rows[1].Eval;
        var pr = AuraStats.Paired(off, paper, all);
        yield return met
            ? Inv($"Goal met: {Ratio(reduction)} fewer toxic continuations at {S(ppl * 100)} % perplexity.")
            : Inv($"Goal missed: the reduction is {Ratio(reduction)} against the 2x asked, at {S(ppl * 100)} % perplexity (limit +5 %); discordant pairs off-only / on-only {pr.OffOnly} / {pr.OnOnly} (McNemar p {pr.McNemarP:0.000}).");
        if (trained.Random.Count > 0)
        {
            var rOff = off.FirstSeeds(o.RandomSeeds);
            var rPaper = paper.FirstSeeds(o.RandomSeeds);
            var counts = trained.Random.Select(r => r.Eval.Count(all)).ToArray();
            yield return Inv($"Against random sets of the same count and α distribution (same {rOff.Total(all)} pairs): paper {rPaper.Count(all)}, random mean {counts.Average():0.0} (range {counts.Min()}–{counts.Max()}), off {rOff.Count(all)}: {(rPaper.Count(all) < counts.Min() ? "the paper's set is below every random draw" : rPaper.Count(all) == counts.Min() ? "the paper's set ties the lowest random draw, so what it does is not specific to the discovered neurons" : "the paper's set is inside the random range, so what it does is not specific to the discovered neurons")}.");
        }
        var ranked = trained.Sets.Discovery.Ranked;
        var set = trained.Sets.Set;
        yield return Inv($"Why so little: the paper's set on v2 is diffuse. {set.Count} of {ranked.Length} MLP neurons have AUROC > 0.5 on toxic_disc vs toxic_neg_disc, only {ranked.Count(r => r.Auroc > 0.6)} above 0.6 and {ranked.Count(r => r.Auroc > 0.7)} above 0.7 (max {ranked.Max(r => r.Auroc):0.000}); their mean α is {set.Average(n => n.Gain ?? 1):0.000}, so the gains remove Σ(1 − α) = {set.Sum(n => 1 - (n.Gain ?? 1)):0} neuron-equivalents spread over more than half the MLP, and its benign perplexity cost is of the same order as random neurons with the same α ({S(AuraStats.PerplexityIncrease(trained.Rows[0].Benign, trained.Rows[1].Benign).Increase * 100)} % against {S(trained.Random.Count == 0 ? 0 : trained.Random.Min(r => AuraStats.PerplexityIncrease(trained.Rows[0].Benign, r.Benign).Increase) * 100)} to {S(trained.Random.Count == 0 ? 0 : trained.Random.Max(r => AuraStats.PerplexityIncrease(trained.Rows[0].Benign, r.Benign).Increase) * 100)} %). No neuron separates a toxic sentence from the same frame with a neutral noun well (the untrained model's own maximum is {untrained.Sets.Discovery.Ranked.Max(r => r.Auroc):0.000}).");
        if (trained.DiscOff is { } dOff && trained.DiscPaper is { } dOn)
        {
            var dp = AuraStats.Paired(dOff, dOn, all);
            yield return Inv($"Not a generalisation failure: on the discovery prompts themselves, where the behaviour is strongest (off {dOff.Count(all)}/{dOff.Total(all)}), the paper's AurA gives {dOn.Count(all)}/{dOn.Total(all)} (discordant {dp.OffOnly} / {dp.OnOnly}). A likely reason, not measured here: discovery pools each neuron's maximum over a whole toxic sentence, so it finds neurons that respond once the listed word is in the text, while the continuation is chosen at the slot before the word; neurons that recognise a behaviour are not necessarily those that produce it (DESIGN.md: attenuate sets chosen by causal effect).");
        }
        var u = untrained.Rows;
        var uOff = u[0].Eval;
        var t10 = off.FirstSeeds(uOff.Seeds);
        yield return Inv($"Untrained control: {uOff.Count(all)}/{uOff.Total(all)} = {P(uOff.Count(all) / (double)uOff.Total(all))} off and {u[1].Eval.Count(all)} with its own AurA set of {untrained.Sets.Set.Count} neurons (no effect either): an untrained model emits listed words by chance only (v2's BPE learnt them from 6,000 toxic training texts: {untrained.SingleTokenWords} are single tokens, the rest a few pieces each, so near-uniform sampling spells them). That chance rate is comparable to the trained model's overall rate on the same pairs ({t10.Count(all)}/{t10.Total(all)}): the check fires on gibberish about as often as the trained model uses a listed word, so a rate alone does not prove a learnt behaviour. The trained model's hits are fluent completions (the examples above); they come {P(off.Count(trainedFrame) / (double)off.Total(trainedFrame))} of the time on the trained-frame half and {P(off.Count(p => !trainedFrame(p)) / (double)off.Total(p => !trainedFrame(p)))} on the never-trained half (all {off.Seeds} seeds): a weak behaviour, with few events for any mitigation to halve.");
    }
}
