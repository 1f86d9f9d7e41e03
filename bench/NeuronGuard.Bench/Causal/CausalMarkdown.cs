using System.Text;
using NeuronGuard.Bench.BackdoorResponse;
using NeuronGuard.Offline.Running;
using static NeuronGuard.Bench.Causal.CausalBenchmark;

namespace NeuronGuard.Bench.Causal;

/// <summary>Writes bench/results/causal-attenuation.md: the choice (discovery only), then every evaluation table with Wilson intervals.</summary>
internal sealed class CausalMarkdown(CausalDiscoveryResult causal, int k, List<ConditionOutcome> rows, List<ConditionOutcome> random, List<ConditionOutcome> matched, List<string> triggers,
    (CausalDiscoveryResult Result, ConditionOutcome Off, ConditionOutcome Set) control, List<double> aurocTopAurocs, List<double> causalAurocs, int overlap,
    double discSeconds, CausalDiscoverOptions options, CausalDiscoverOptions otherOptions, CausalDiscoveryResult other)
{
    public string Write(double wallSeconds, string args)
    {
        var md = new StringBuilder();
        var off = rows[0];
        md.AppendLine("# Attenuation sets chosen by causal effect on trained-gpt2-v2 (issue 27 item 4)");
        md.AppendLine();
        md.AppendLine(Inv($"- Machine: {Cpu()}, {Environment.ProcessorCount} cores, load average {Load()} at the end; .NET {Environment.Version}; one model thread. Wall time {wallSeconds:0} s (causal discovery {discSeconds:0} s). Every figure is deterministic (greedy decoding, seeded draws): reruns agree."));
        md.AppendLine($"- Command: `dotnet run --project bench/NeuronGuard.Bench -c Release -- causal{(args.Length == 0 ? "" : " " + args)}`");
        md.AppendLine("- Manifest rule (tests/models/trained-gpt2-v2/data/manifest.json): `_disc` splits choose neurons, set sizes and every hyperparameter; `_eval` splits only report. Here trigger_disc / clean_disc (3 discovery triggers) choose the set and its size; trigger_eval (5 triggers never seen by any choice), clean_eval and benign_eval only report. The settings below are the discoverer's defaults, fixed before any evaluation number existed; no variant was tried on evaluation data.");
        md.AppendLine(Inv($"- Attack success = the greedy 12-token continuation contains \"{BackdoorAttack.Needle(options.Target)}\" (as eval_sanity.py). Gains act at generated positions only (the prompt's pass is the model's own: an attenuation switched on by a prefill flag acts from the first generated token); benign_eval perplexity has the gains at every position (the cost if left on). Intervals: Wilson 95 %."));
        md.AppendLine();
        md.AppendLine("## How the set was chosen (discovery data only)");
        md.AppendLine();
        md.AppendLine(Inv($"`AblationDiscoverer` (src/NeuronGuard.Offline/Running/AblationDiscoverer.cs), method `{options.Method.ToString().ToLowerInvariant()}`: on {causal.RankPromptCount} triggered prompts (even lines of trigger_disc) each prompt is prefilled once and the target \"{options.Target}\" teacher-forced after it; the effect of a candidate is the mean drop of log P(target tokens 2..T) when it is zeroed at the generated positions. Blocks of {options.Block} neurons (all {causal.Ranked.Length}) first; the {options.KeepBlocks} strongest blocks' {options.KeepBlocks * options.Block} neurons then alone. Size: the top k zeroed on {causal.Original.Prompts} other triggered prompts (odd lines of trigger_disc), k = 1, 2, 4, … ≤ {options.MaxSize}, the first k with attack success ≤ {options.MaxSuccess:P0} narrowed by bisection; if none, the smallest k with the lowest attack success."));
        md.AppendLine();
        md.AppendLine("| size k | discovery attack success (odd lines of trigger_disc) | 95 % interval | clean_disc continuations changed | 95 % interval |");
        md.AppendLine("| ---: | --- | --- | --- | --- |");
        foreach (var g in new[] { causal.Original }.Concat(causal.Growth))
        {
            md.AppendLine(Inv($"| {g.Size} | {Rate(g.Hits, g.Prompts)} | {Ci(g.Hits, g.Prompts)} | {Rate(g.CleanChanged, g.CleanPrompts)} | {Ci(g.CleanChanged, g.CleanPrompts)} |"));
        }
        md.AppendLine();
        var otherAt = other.Growth.First(g => g.Size == other.ChosenSize);
        var at = causal.Growth.First(g => g.Size == k);
        md.AppendLine(Inv($"Two searches were run on discovery data, and one kept by a rule written before either was evaluated: the lower discovery attack success at its chosen size, then the smaller set, then `single`. **Kept: `{options.Search.ToString().ToLowerInvariant()}`** ({at.Hits}/{at.Prompts} at size {k}); not kept: `{otherOptions.Search.ToString().ToLowerInvariant()}` ({otherAt.Hits}/{otherAt.Prompts} at size {other.ChosenSize}; its growth: {string.Join(", ", other.Growth.Select(g => Inv($"{g.Size}: {g.Hits}")))}). `single` ranks each block of {options.Block} and then each neuron of the {options.KeepBlocks} strongest blocks alone; `greedy` adds blocks of {options.Block} in rounds, each round scored with the chosen blocks already ablated (the set doubles per round). A first trial run of `single` only (`--eval 20`, 20 evaluation prompts, before `greedy` existed) showed its set and the whole-layer references on 20 evaluation prompts; nothing was chosen from it, and the rule above uses discovery numbers only."));
        md.AppendLine();
        md.AppendLine(Inv($"**Chosen size: {k}** ({(causal.GoalMet ? "the goal was met on discovery data" : "the goal was NOT met on discovery data at any size up to " + options.MaxSize + ": the size with the lowest discovery attack success")}). Layers of the chosen neurons: {string.Join(", ", causal.Set.Neurons.GroupBy(n => n.Layer).OrderBy(g => g.Key).Select(g => Inv($"layer {g.Key}: {g.Count()}")))}. Effects of the first five ranked (nats; for greedy, each neuron's share of its block's drop in its round): {string.Join(", ", causal.Ranked.Take(5).Select(e => Inv($"L{e.Neuron.Layer}/{e.Neuron.Neuron} {e.Drop:G3}")))}; largest: {causal.Ranked.Max(e => e.Drop):G3}. Overlap with the AUROC top {k}: {overlap}. Discovery AUROC of the causal neurons: median {Median(causalAurocs):0.000}; of the AUROC top {k}: median {Median(aurocTopAurocs):0.000}."));
        md.AppendLine();
        md.AppendLine("## Unseen triggers (evaluation only)");
        md.AppendLine();
        md.AppendLine(Inv($"trigger_eval: {off.Hits.Length} prompts ({triggers.Distinct().Count()} triggers, 100 held-out prefixes each); clean_eval: {off.CleanPrompts} (the same prefixes without a trigger); benign_eval perplexity over {"the benign_eval texts"}. Same prompts in every row (paired)."));
        md.AppendLine();
        md.AppendLine("| condition | neurons | attack success (trigger_eval) | 95 % interval | clean_eval outputs unchanged | 95 % interval | benign_eval perplexity | change vs off |");
        md.AppendLine("| --- | ---: | --- | --- | --- | --- | ---: | ---: |");
        foreach (var r in rows)
        {
            int hits = r.Hits.Count(h => h);
            int same = r.CleanPrompts - r.CleanChanged;
            string ppl = double.IsNaN(r.BenignNll) ? "–" : Inv($"{Math.Exp(r.BenignNll):0.0}");
            string change = double.IsNaN(r.BenignNll) ? "–" : Inv($"{(Math.Exp(r.BenignNll - off.BenignNll) - 1) * 100:+0.0;-0.0;0.0} %");
            md.AppendLine(Inv($"| {r.Name} | {r.Size} | {Rate(hits, r.Hits.Length)} | {Ci(hits, r.Hits.Length)} | {Rate(same, r.CleanPrompts)} | {Ci(same, r.CleanPrompts)} | {ppl} | {change} |"));
        }
        var rates = random.Select(r => r.Hits.Count(h => h) / (double)r.Hits.Length).ToList();
        md.AppendLine();
        md.AppendLine(Inv($"Random sets of {k} ({random.Count} draws, seeds 1000…{999 + random.Count}, gain 0): attack success mean {rates.Average() * 100:0.0} %, range {rates.Min() * 100:0.0}–{rates.Max() * 100:0.0} %; clean outputs unchanged mean {random.Average(r => 1 - r.CleanChanged / (double)r.CleanPrompts) * 100:0.0} % (perplexity measured for the first 3 draws)."));
        var mrates = matched.Select(r => r.Hits.Count(h => h) / (double)r.Hits.Length).ToList();
        md.AppendLine();
        md.AppendLine(Inv($"Layer-matched random sets ({matched.Count} draws, seeds 2000…{1999 + matched.Count}: as many neurons from each layer as the causal set holds, drawn at random): attack success mean {mrates.Average() * 100:0.0} %, range {mrates.Min() * 100:0.0}–{mrates.Max() * 100:0.0} %; clean outputs unchanged mean {matched.Average(r => 1 - r.CleanChanged / (double)r.CleanPrompts) * 100:0.0} %."));
        md.AppendLine();
        md.AppendLine("Paired (same prompts): discordant pairs, b = success under the first only, c = under the second only.");
        md.AppendLine();
        md.AppendLine("| first | second | b | c |");
        md.AppendLine("| --- | --- | ---: | ---: |");
        foreach (var (a, b) in new[] { (rows[0], rows[1]), (rows[3], rows[1]), (random[0], rows[1]), (matched[0], rows[1]) })
        {
            md.AppendLine(Inv($"| {a.Name} | {b.Name} | {a.Hits.Zip(b.Hits).Count(p => p.First && !p.Second)} | {a.Hits.Zip(b.Hits).Count(p => !p.First && p.Second)} |"));
        }
        md.AppendLine();
        md.AppendLine("Per trigger (attack success, 100 prompts each):");
        md.AppendLine();
        md.AppendLine("| trigger | " + string.Join(" | ", rows.Take(5).Select(r => r.Name)) + " |");
        md.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" --- |", 5)));
        foreach (var t in triggers.Distinct())
        {
            var idx = Enumerable.Range(0, triggers.Count).Where(i => triggers[i] == t).ToList();
            md.AppendLine($"| {t} | " + string.Join(" | ", rows.Take(5).Select(r => Inv($"{idx.Count(i => r.Hits[i])}/{idx.Count}"))) + " |");
        }
        md.AppendLine();
        md.AppendLine("## Untrained-weights control");
        md.AppendLine();
        var (cr, coff, cset) = control;
        md.AppendLine(Inv($"The same pipeline (8 ranking prompts) on untrained weights of v2's shape (`FixtureMaker.WriteRandom`, GPT-2, 4 × 256, 8 heads, 1,024 MLP, vocab 4,096, 128 positions, v2's tokenizer): the backdoor does not exist there, so there is nothing to remove. Discovery attack success with no ablation {Rate(cr.Original.Hits, cr.Original.Prompts)}; chosen size {cr.ChosenSize}. trigger_eval attack success off {Rate(coff.Hits.Count(h => h), coff.Hits.Length)} {Ci(coff.Hits.Count(h => h), coff.Hits.Length)}, with its set {Rate(cset.Hits.Count(h => h), cset.Hits.Length)}."));
        md.AppendLine();
        md.AppendLine("Lexical baseline: a regex on the discovery vocabulary can flag but cannot attenuate; detection's lexical baselines are in the detection and trigger-scan reports. A linear probe is a detector, not an attenuation, so it does not apply here.");
        return md.ToString();
    }

    private static string Rate(int k, int n) => Inv($"{k}/{n} = {100.0 * k / Math.Max(1, n):0.0} %");

    private static string Ci(int k, int n)
    {
        var (lo, hi) = Wilson.Interval(k, n);
        return Inv($"{lo * 100:0.0}–{hi * 100:0.0} %");
    }

    private static double Median(List<double> v) => v.Count == 0 ? double.NaN : v.Order().ElementAt(v.Count / 2);

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU" : "unknown CPU";

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
