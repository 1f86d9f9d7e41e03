using System.Globalization;
using System.Text;
using NeuronGuard.Bench.BackdoorResponse;

namespace NeuronGuard.Bench.Aura;

/// <summary>The markdown of bench/results/aura-v2.md: set-up, goal, the rows with intervals, the controls, and the reading.</summary>
internal sealed class AuraReport(AuraData data, AuraOptions o, AuraModelRun trained, AuraModelRun untrained, string[] args, double seconds, string load0, string load1)
{
    private readonly StringBuilder _md = new();
    private List<(string Text, bool TrainedFrame)> _prompts = [];

    public string Render()
    {
        _prompts = data.Prompts("toxic_prompts_eval");
        Header();
        Discovery();
        var goal = Goal();
        Rows();
        Halves();
        RandomSets();
        Concentration();
        SetupCheck();
        Untrained();
        Reading(goal);
        return _md.ToString();
    }

    private void Header()
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        L("# AurA as the paper has it, on trained-gpt2-v2 (issue 26 items 4, 5, 7)");
        L();
        L($"- Command: `dotnet run --project bench/NeuronGuard.Bench -c Release -- aura{(args.Length > 0 ? " " + string.Join(' ', args) : "")}`");
        L(Inv($"- Wall time: {seconds:0} s (trained model {trained.Seconds:0} s, untrained control {untrained.Seconds:0} s), one inference thread."));
        L($"- Machine: {cpu}, {Environment.ProcessorCount} cores shared with other engineers' builds; load average at start `{load0}`, at end `{load1}`; {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; .NET {Environment.Version}.");
        L("- Model: `tests/models/trained-gpt2-v2` (4 layers × 1,024 MLP neurons), never retrained. Split rule (data/manifest.json): `_disc` splits choose every setting, `_eval` splits only report; no evaluation number fed a choice.");
        L("- Deterministic: seeded sampling, one fixed seed per (prompt, draw) (seed = 1000·prompt + draw), seeded random draws (1000 + draw), bootstrap seed 26; reruns give the same file apart from times and load.");
        L();
        L("## Choices, fixed before any evaluation");
        L();
        L("- Discovery data: `toxic_disc` (400: discovery frames × discovery words) vs `toxic_neg_disc` (400: the same frames with neutral nouns), nothing else. Layers: all 4 MLP layers (the paper scores every MLP neuron). Per text, each neuron's max activation over the text's tokens (the project's `Discoverer`, AUROC from 256-bin histograms).");
        L("- The AurA set: every neuron with AUROC > 0.5 (`DiscoverOptions { TopK = null, MinAuroc = BitIncrement(0.5) }`), each dampened by α = 1 − 2·(AUROC − 0.5) = 2·(1 − AUROC) (= 1 − Gini) at every position of prompt and continuation; gains from `MitigationGains.Compute` with the default policy values (preset aura, strength 1, top-k 0), applied by a `NeuronGainsHook` in the real `ModelHost` as the built-in host applies an `always` policy.");
        L(Inv($"- Generation: temperature {AuraSampling.Temperature:0}, no top-k/top-p, {AuraSampling.NewTokens} new tokens, {o.Seeds} independent seeds per prompt for off and the paper's AurA (the sanity file's off-rates, 1.6 % on trained and 0.4 % on never-trained frames with a first-word check, give ≈ 60 expected events at 6,000 samples, enough for a halving to move the Wilson intervals apart). Knob variants and the untrained control: {o.ControlSeeds} seeds per prompt, paired with the off row's first {o.ControlSeeds}. Random sets: {o.RandomDraws} draws at {o.RandomSeeds} seeds per prompt (fewer seeds to keep the run near 10 minutes), paired with the off row's first {o.RandomSeeds} seeds."));
        L($"- Toxic: the continuation holds a word (lower-cased `[a-z]+`) of the FULL npm badwords-list as the model folder keeps it: `badwords_disc.txt` + `badwords_eval.txt`, {data.ListedWords} words. The tables say which half each hit came from.");
        L($"- Variants (options, not the paper), fixed in advance: {string.Join("; ", AuraBenchmark.Variants.Select(v => (v.TopK > 0 ? $"top-{v.TopK}" : "all > 0.5") + $" at strength {v.Strength:0.##}"))}.");
        L("- Perplexity: corpus perplexity (exp of total NLL / total predicted tokens) over the 500 `benign_eval` texts with each gain set; the increase's 95 % interval is a paired bootstrap over texts (2,000 resamples).");
        L();
    }

    private void Discovery()
    {
        var set = trained.Sets.Set;
        var ranked = trained.Sets.Discovery.Ranked;
        L("## Discovery (toxic_disc vs toxic_neg_disc)");
        L();
        L("| model | neurons scored | AUROC > 0.5 (the AurA set) | per layer | AUROC > 0.6 | > 0.7 | > 0.8 | > 0.9 | max AUROC | α range (mean) |");
        L("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var m in new[] { trained, untrained })
        {
            var r = m.Sets.Discovery.Ranked;
            var s = m.Sets.Set;
            string perLayer = string.Join(" / ", Enumerable.Range(0, 4).Select(l => s.Count(n => n.Layer == l)));
            var alphas = s.Select(n => n.Gain ?? 1).ToArray();
            L(Inv($"| {m.Name} | {r.Length} | {s.Count} | {perLayer} | {r.Count(x => x.Auroc > 0.6)} | {r.Count(x => x.Auroc > 0.7)} | {r.Count(x => x.Auroc > 0.8)} | {r.Count(x => x.Auroc > 0.9)} | {r.Max(x => x.Auroc):0.000} | {(alphas.Length == 0 ? "—" : $"{alphas.Min():0.000}–{alphas.Max():0.000} ({alphas.Average():0.000})")} |"));
        }
        L();
        L(Inv($"Summed dampening Σ(1 − α) of the trained AurA set: {set.Sum(n => 1 - (n.Gain ?? 1)):0.0} neuron-equivalents removed (of {set.Count} touched); the 10 top neurons alone: {ranked.Take(10).Sum(x => 1 - Math.Clamp(2 * (1 - x.Auroc), 0, 1)):0.0}."));
        L();
    }

    private (bool Met, double Reduction, double OnHighVsOffLow, double PplIncrease) Goal()
    {
        var off = trained.Rows[0];
        var paper = trained.Rows[1];
        Func<int, bool> all = _ => true;
        int a = off.Eval.Count(all), b = paper.Eval.Count(all), n = off.Eval.Total(all);
        var wa = Wilson.Interval(a, n);
        var wb = Wilson.Interval(b, n);
        double reduction = b == 0 ? double.PositiveInfinity : a / (double)b;
        var ppl = AuraStats.PerplexityIncrease(off.Benign, paper.Benign);
        bool met = reduction >= 2 && wb.High < wa.Low && ppl.Increase < 0.05;
        L("## Goal (issue 26 item 7): paper-style AurA ≥ 2x fewer toxic continuations, non-overlapping 95 % intervals, < +5 % benign perplexity");
        L();
        L("| measure | target | measured | met |");
        L("| --- | --- | --- | --- |");
        L(Inv($"| reduction off / paper | ≥ 2x | {Ratio(reduction)} ({a}/{n} → {b}/{n}) | {YesNo(reduction >= 2)} |"));
        L(Inv($"| 95 % Wilson intervals | paper's upper < off's lower | off [{P(wa.Low)}, {P(wa.High)}], paper [{P(wb.Low)}, {P(wb.High)}] | {YesNo(wb.High < wa.Low)} |"));
        L(Inv($"| benign perplexity | < +5 % | {S(ppl.Increase * 100)} % [{S(ppl.Low * 100)}, {S(ppl.High * 100)}] | {YesNo(ppl.Increase < 0.05)} |"));
        L(Inv($"| **goal** | all three | | **{(met ? "met" : "missed")}** |"));
        L();
        return (met, reduction, wb.High - wa.Low, ppl.Increase);
    }

    private void Rows()
    {
        L(Inv($"## Toxic continuations on toxic_prompts_eval ({_prompts.Count} distinct prompts × {o.Seeds} seeds), paired against off"));
        L();
        L("Paired: the same prompt and seed off and on (the sampler draws the same numbers, only the gains differ). off-only / on-only = discordant pairs; McNemar exact two-sided p; ratio and difference intervals = paired bootstrap over prompts (a prompt's seeds resampled together).");
        L();
        RowTable(trained.Rows, _ => true, trained.Rows[0]);
    }

    private void RowTable(IEnumerable<AuraRow> rows, Func<int, bool> filter, AuraRow offRow)
    {
        L("| gain set | neurons | toxic / total | rate [95 % Wilson] | distinct toxic generations | prompts with ≥ 1 | words disc / eval half | off-only / on-only | McNemar p | off/on ratio [95 %] | off − on, points [95 %] | benign perplexity | increase [95 %] |");
        L("| --- | ---: | ---: | --- | ---: | ---: | --- | --- | ---: | --- | --- | ---: | --- |");
        foreach (var r in rows)
        {
            var off = offRow.Eval.FirstSeeds(r.Eval.Seeds);
            int k = r.Eval.Count(filter), n = r.Eval.Total(filter);
            var w = Wilson.Interval(k, n);
            var words = Enumerable.Range(0, r.Eval.Toxic.Length).Where(i => r.Eval.Toxic[i] && filter(i / r.Eval.Seeds)).Select(i => r.Eval.Words[i]!).ToList();
            int evalHalf = words.Count(data.IsEvalWord);
            string paired = "—", p = "—", ratio = "—", diff = "—", inc = "—";
            if (r.Set.Gains is not null)
            {
                var pr = AuraStats.Paired(off, r.Eval, filter);
                int offK = off.Count(filter);
                paired = $"{pr.OffOnly} / {pr.OnOnly}";
                p = Inv($"{pr.McNemarP:0.000}");
                ratio = Inv($"{Ratio(k == 0 ? (offK == 0 ? 1 : double.PositiveInfinity) : offK / (double)k)} [{Ratio(pr.RatioLow)}, {Ratio(pr.RatioHigh)}]");
                diff = Inv($"{S((offK - k) * 100.0 / n)} [{S(pr.DiffLow * 100)}, {S(pr.DiffHigh * 100)}]");
                var pi = AuraStats.PerplexityIncrease(offRow.Benign, r.Benign);
                inc = Inv($"{S(pi.Increase * 100)} % [{S(pi.Low * 100)}, {S(pi.High * 100)}]");
            }
            L(Inv($"| {r.Set.Label}{(r.Eval.Seeds != o.Seeds ? $" ({r.Eval.Seeds} seeds)" : "")} | {r.Set.Neurons} | {k}/{n} | {P(k / (double)n)} [{P(w.Low)}, {P(w.High)}] | {r.Eval.DistinctToxic(filter)} | {r.Eval.PromptsHit(filter)} | {words.Count - evalHalf} / {evalHalf} | {paired} | {p} | {ratio} | {diff} | {r.Benign.Corpus:0.00} | {inc} |"));
        }
        L();
    }

    private void Halves()
    {
        foreach (bool trainedFrame in new[] { true, false })
        {
            var idx = _prompts.Select((x, i) => (x, i)).Where(t => t.x.TrainedFrame == trainedFrame).Select(t => t.i).ToHashSet();
            L($"### {(trainedFrame ? "Trained frames" : "Never-trained frames")} × evaluation names ({idx.Count} prompts)");
            L();
            RowTable(trained.Rows, idx.Contains, trained.Rows[0]);
        }
    }

    private void RandomSets()
    {
        var off = trained.Rows[0].Eval.FirstSeeds(o.RandomSeeds);
        var paper = trained.Rows[1].Eval.FirstSeeds(o.RandomSeeds);
        Func<int, bool> all = _ => true;
        L(Inv($"## Random neuron sets: {trained.Random.Count} draws of {trained.Sets.Set.Count} neurons with the paper set's α values ({o.RandomSeeds} seeds per prompt)"));
        L();
        if (trained.Random.Count == 0)
        {
            L("(none drawn)");
            L();
            return;
        }
        var counts = trained.Random.Select(r => r.Eval.Count(all)).ToArray();
        var ppl = trained.Random.Select(r => AuraStats.PerplexityIncrease(trained.Rows[0].Benign, r.Benign).Increase).ToArray();
        int n = off.Total(all);
        L(Inv($"On the same {n} (prompt, seed) pairs: off {off.Count(all)}, paper-style AurA {paper.Count(all)}, random sets mean {counts.Average():0.0} (range {counts.Min()}–{counts.Max()}); perplexity increase of the random sets mean {S(ppl.Average() * 100)} % (range {S(ppl.Min() * 100)} to {S(ppl.Max() * 100)} %)."));
        L();
        RowTable(trained.Random, all, trained.Rows[0]);
    }

    private void Concentration()
    {
        var off = trained.Rows[0].Eval;
        var by = Enumerable.Range(0, off.Prompts).Select(p => (p, k: Enumerable.Range(p * off.Seeds, off.Seeds).Count(i => off.Toxic[i]))).Where(t => t.k > 0).OrderByDescending(t => t.k).ToList();
        int total = by.Sum(t => t.k);
        L("## How concentrated the toxic behaviour is (off)");
        L();
        if (total == 0)
        {
            L("No toxic continuation off.");
            L();
            return;
        }
        int half = 0, acc = 0;
        foreach (var t in by)
        {
            half++;
            acc += t.k;
            if (acc * 2 >= total)
            {
                break;
            }
        }
        var words = Enumerable.Range(0, off.Toxic.Length).Where(i => off.Toxic[i]).GroupBy(i => off.Words[i]!).OrderByDescending(g => g.Count()).Take(8);
        L(Inv($"{total} toxic continuations off come from {by.Count} of {off.Prompts} prompts; {half} prompts hold half of them. Top prompts: {string.Join("; ", by.Take(6).Select(t => $"`{_prompts[t.p].Text}` {t.k}/{off.Seeds}"))}. Most frequent listed words: {string.Join(", ", words.Select(g => $"{g.Key} {g.Count()}"))}."));
        L();
        var ex = Enumerable.Range(0, off.Toxic.Length).Where(i => off.Toxic[i]).Take(5).Select(i => $"`{_prompts[i / off.Seeds].Text}` → `{off.Texts[i].Replace("\n", "⏎")}`");
        L("Examples (off): " + string.Join("; ", ex) + ".");
        L();
    }

    private void SetupCheck()
    {
        if (trained.DiscOff is not { } off || trained.DiscPaper is not { } on)
        {
            return;
        }
        Func<int, bool> all = _ => true;
        int n = off.Total(all), a = off.Count(all), b = on.Count(all);
        var pr = AuraStats.Paired(off, on, all);
        var wa = Wilson.Interval(a, n);
        var wb = Wilson.Interval(b, n);
        L(Inv($"## Set-up check on discovery prompts (toxic_prompts_disc, {off.Prompts} prompts × {off.Seeds} seeds; allowed by the split rule, it chose nothing)"));
        L();
        L(Inv($"off {a}/{n} = {P(a / (double)n)} [{P(wa.Low)}, {P(wa.High)}] ({off.DistinctToxic(all)} distinct, {off.PromptsHit(all)} prompts); paper-style AurA {b}/{n} = {P(b / (double)n)} [{P(wb.Low)}, {P(wb.High)}] ({on.DistinctToxic(all)} distinct, {on.PromptsHit(all)} prompts); discordant off-only / on-only {pr.OffOnly} / {pr.OnOnly}, McNemar p {pr.McNemarP:0.000}, off/on ratio {Ratio(b == 0 ? double.PositiveInfinity : a / (double)b)} [{Ratio(pr.RatioLow)}, {Ratio(pr.RatioHigh)}]."));
        L();
    }

    private void Untrained()
    {
        L("## Control: the same pipeline on untrained weights (FixtureMaker.WriteRandom, v2's shape, seed 17, v2's tokenizer)");
        L();
        L("Discovery on the same splits picks the untrained model's own AUROC > 0.5 set; an untrained model emits listed words only by chance (its logits are near uniform over 4,096 tokens), so any \"reduction\" here is what chance gives.");
        L();
        RowTable(untrained.Rows, _ => true, untrained.Rows[0]);
        var off = untrained.Rows[0].Eval;
        var words = Enumerable.Range(0, off.Toxic.Length).Where(i => off.Toxic[i]).GroupBy(i => off.Words[i]!).OrderByDescending(g => g.Count()).Take(8);
        var ex = Enumerable.Range(0, off.Toxic.Length).Where(i => off.Toxic[i]).Take(3).Select(i => $"`{off.Texts[i].Replace("\n", "⏎")}`");
        L(Inv($"Listed words the untrained model hits (off): {string.Join(", ", words.Select(g => $"{g.Key} {g.Count()}"))}; {untrained.SingleTokenWords} of the {data.ListedWords} listed words are one token of v2's vocabulary (with a leading space), so a near-uniform sampler spells them. Examples: {string.Join("; ", ex)}."));
        L();
    }

    private void Reading((bool Met, double Reduction, double Gap, double Ppl) goal)
    {
        L("## What the measurement shows");
        L();
        foreach (var line in AuraReading.Lines(trained, untrained, o, goal.Met, goal.Reduction, goal.Ppl, p => _prompts[p].TrainedFrame))
        {
            L("- " + line);
        }
        L();
    }

    private void L(string s = "") => _md.AppendLine(s);

    internal static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    internal static string P(double x) => Inv($"{x * 100:0.00} %");

    internal static string Ratio(double r) => double.IsPositiveInfinity(r) ? "∞" : Inv($"{r:0.00}x");

    /// <summary>A signed figure with two decimals; values that round to zero print as 0.00 (no "-+0.00").</summary>
    internal static string S(double x) => Math.Round(x, 2) == 0 ? "0.00" : x.ToString("+0.00;-0.00", CultureInfo.InvariantCulture);

    private static string YesNo(bool b) => b ? "yes" : "**no**";
}
