using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NeuronGuard.Bench.BackdoorResponse;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Causal;

/// <summary>
/// Issue 27 item 4 on tests/models/trained-gpt2-v2: an attenuation set chosen by causal effect (AblationDiscoverer on
/// trigger_disc / clean_disc), then attack success on the UNSEEN triggers (trigger_eval) with it attenuated at generated
/// positions (gain 0 and AurA-style α), against the AUROC-ranked set of the same size, random sets of the same size and
/// off; clean_eval outputs unchanged and benign_eval perplexity; whole-layer ablations as the reference for what size
/// works; the untrained-weights control. Writes bench/results/causal-attenuation.md.
/// Options: --model DIR (default tests/models/trained-gpt2-v2), --eval N (prompts per evaluation split, default all),
/// --draws N (random sets, default 10), --method zero|patch.
/// </summary>
internal sealed class CausalBenchmark : IBenchmark
{
    public string Name => "causal";

    public string Description => "attenuation set by causal effect on trained-gpt2-v2: unseen-trigger attack success vs AUROC / random sets / off";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string root = Detection.DetectionBenchmark.FindRepoRoot();
        string dir = Arg(args, "--model") ?? Path.Combine(root, "tests", "models", "trained-gpt2-v2");
        int evalN = int.Parse(Arg(args, "--eval") ?? "100000", CultureInfo.InvariantCulture);
        int draws = int.Parse(Arg(args, "--draws") ?? "10", CultureInfo.InvariantCulture);
        var method = (Arg(args, "--method") ?? "zero") == "patch" ? CausalMethod.Patch : CausalMethod.Zero;
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "data", "manifest.json")));
        string target = manifest.RootElement.GetProperty("backdoor").GetProperty("target").GetString()!;
        List<JsonElement> J(string name) => File.ReadLines(Path.Combine(dir, "data", name + ".jsonl")).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        List<string> T(string name, int take = int.MaxValue) => J(name).Take(take).Select(e => e.GetProperty("text").GetString()!).ToList();
        var trigDisc = T("trigger_disc");
        var cleanDisc = T("clean_disc");
        var trigEvalRows = J("trigger_eval").Take(evalN).ToList();
        var trigEval = trigEvalRows.Select(e => e.GetProperty("text").GetString()!).ToList();
        var triggers = trigEvalRows.Select(e => e.GetProperty("trigger").GetString()!).ToList();
        var cleanEval = T("clean_eval", evalN);
        var benignEval = T("benign_eval", evalN);

        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = 1 });
        var options = new CausalDiscoverOptions { Target = target, Method = method, Data = "trigger_disc vs clean_disc" };
        var variants = new List<(CausalDiscoverOptions Options, CausalDiscoveryResult Result, double Seconds)>();
        foreach (var search in new[] { CausalSearch.Single, CausalSearch.Greedy })
        {
            Console.WriteLine($"causal discovery ({method}, {search}) …");
            var discClock = Stopwatch.StartNew();
            var o = options with { Search = search };
            var r = AblationDiscoverer.Run(host, trigDisc, cleanDisc, NeuronSetKind.Backdoor, o, new ProgressLine(Console.Error, "rank", 1000));
            variants.Add((o, r, discClock.Elapsed.TotalSeconds));
            foreach (var g in r.Growth)
            {
                Console.WriteLine(Inv($"  size {g.Size}: disc attack success {g.Hits}/{g.Prompts}, clean changed {g.CleanChanged}/{g.CleanPrompts}"));
            }
        }
        // The rule, fixed before any evaluation of these variants: the lower discovery attack success at the chosen size, then the smaller set, then single.
        var pick = variants.OrderBy(v => v.Result.Growth.First(g => g.Size == v.Result.ChosenSize).Hits).ThenBy(v => v.Result.ChosenSize).First();
        var other = variants.First(v => !ReferenceEquals(v.Result, pick.Result));
        var causal = pick.Result;
        options = pick.Options;
        double discSeconds = variants.Sum(v => v.Seconds);
        int k = causal.ChosenSize;
        Console.WriteLine("AUROC discovery …");
        var auroc = Discoverer.Run(host, trigDisc, cleanDisc, NeuronSetKind.Backdoor, new DiscoverOptions { TopK = k });
        var aurocOf = auroc.Ranked.ToDictionary(r => new NeuronId(r.Neuron.Layer, r.Neuron.Index), r => r.Auroc);
        var causalIds = causal.Set.Neurons.Select(n => new NeuronId(n.Layer, n.Index)).ToList();
        var aurocIds = auroc.Ranked.Take(k).Select(r => new NeuronId(r.Neuron.Layer, r.Neuron.Index)).ToList();
        static List<(NeuronId, float)> Zero(IEnumerable<NeuronId> ids) => ids.Select(i => (i, 0f)).ToList();
        List<(NeuronId, float)> Aura(IEnumerable<NeuronId> ids) => ids.Select(i => (i, (float)MitigationGains.AuraGain(aurocOf[i]))).ToList();

        using var eval = new CausalEvaluation(host, target, trigEval, cleanEval, benignEval);
        var rows = new List<ConditionOutcome>();
        void Add(string name, List<(NeuronId, float)> gains, bool benign = true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            rows.Add(eval.Run(name, gains, benign));
            var r = rows[^1];
            Console.WriteLine(Inv($"  {name}: {r.Hits.Count(h => h)}/{r.Hits.Length}, clean changed {r.CleanChanged}/{r.CleanPrompts}, benign nll {r.BenignNll:0.000}"));
        }
        Add("off", []);
        Add(Inv($"causal set ({k}), gain 0"), Zero(causalIds));
        Add(Inv($"causal set ({k}), AurA α from each neuron's discovery AUROC"), Aura(causalIds));
        var otherIds = other.Result.Set.Neurons.Select(n => new NeuronId(n.Layer, n.Index)).ToList();
        Add(Inv($"AUROC top {k}, gain 0"), Zero(aurocIds));
        Add(Inv($"AUROC top {k}, AurA α"), Aura(aurocIds));
        Add(Inv($"not chosen: {other.Options.Search.ToString().ToLowerInvariant()} search's causal set ({otherIds.Count}), gain 0"), Zero(otherIds));
        var all = Enumerable.Range(0, host.Info.Layers).SelectMany(l => Enumerable.Range(0, host.Info.MlpNeurons).Select(n => new NeuronId(l, n))).ToArray();
        var random = new List<ConditionOutcome>();
        for (int d = 0; d < draws; d++)
        {
            var rng = new Random(1000 + d);
            Add(Inv($"random {k} (seed {1000 + d}), gain 0"), Zero(all.OrderBy(_ => rng.Next()).Take(k)), benign: d < 3);
            random.Add(rows[^1]);
        }
        // Layer-matched random sets: as many neurons from each layer as the causal set holds, drawn at random. Tells whether
        // the search found neurons or only a layer.
        var perLayer = causalIds.GroupBy(n => n.Layer).ToDictionary(g => g.Key, g => g.Count());
        var matched = new List<ConditionOutcome>();
        for (int d = 0; d < draws; d++)
        {
            var rng = new Random(2000 + d);
            var drawn = perLayer.SelectMany(p => all.Where(n => n.Layer == p.Key).OrderBy(_ => rng.Next()).Take(p.Value)).ToList();
            Add(Inv($"layer-matched random {k} (seed {2000 + d}), gain 0"), Zero(drawn), benign: d < 3);
            matched.Add(rows[^1]);
        }
        for (int l = 0; l < host.Info.Layers; l++)
        {
            Add(Inv($"reference: all of layer {l} ({host.Info.MlpNeurons}), gain 0"), Zero(all.Where(n => n.Layer == l)));
        }

        Console.WriteLine("untrained-weights control …");
        var control = UntrainedControl(dir, target, trigDisc, cleanDisc, trigEval.Take(100).ToList(), cleanEval.Take(100).ToList(), benignEval, options);

        var md = new CausalMarkdown(causal, k, rows, random, matched, triggers, control, auroc.Ranked.Take(k).Select(r => r.Auroc).ToList(),
            causalIds.Select(i => aurocOf[i]).ToList(), aurocIds.Intersect(causalIds).Count(), discSeconds, options, other.Options, other.Result);
        string text = md.Write(clock.Elapsed.TotalSeconds, string.Join(' ', args));
        string outPath = Path.Combine(root, "bench", "results", "causal-attenuation.md");
        await File.WriteAllTextAsync(outPath, text, cancellationToken);
        Console.WriteLine(text);
        Console.WriteLine($"wrote {outPath}");
        return 0;
    }

    /// <summary>The same pipeline on untrained weights of v2's shape (v2's tokenizer copied in).</summary>
    private static (CausalDiscoveryResult Result, ConditionOutcome Off, ConditionOutcome Set) UntrainedControl(string dir, string target, List<string> trigDisc,
        List<string> cleanDisc, List<string> trigEval, List<string> cleanEval, List<string> benignEval, CausalDiscoverOptions options)
    {
        string randomDir = Path.Combine(Path.GetTempPath(), "ng-causal-untrained-" + Environment.ProcessId);
        try
        {
            FixtureMaker.WriteRandom(randomDir, V2Shape);
            File.Copy(Path.Combine(dir, "tokenizer.json"), Path.Combine(randomDir, "tokenizer.json"), overwrite: true);
            using var host = ModelHost.Load(randomDir, new ModelHostOptions { Threads = 1 });
            var result = AblationDiscoverer.Run(host, trigDisc, cleanDisc, NeuronSetKind.Backdoor, options with { RankPrompts = 8 });
            using var eval = new CausalEvaluation(host, target, trigEval, cleanEval, benignEval.Take(100).ToList());
            var ids = result.Set.Neurons.Select(n => (new NeuronId(n.Layer, n.Index), 0f)).ToList();
            return (result, eval.Run("untrained: off", []), eval.Run(Inv($"untrained: causal set ({ids.Count}), gain 0"), ids));
        }
        finally
        {
            Directory.Delete(randomDir, recursive: true);
        }
    }

    /// <summary>trained-gpt2-v2's shape: GPT-2, 4 layers, hidden 256, 8 heads, intermediate 1024, vocab 4096, 128 positions.</summary>
    internal static RandomModelShape V2Shape => new()
    {
        Architecture = FixtureArchitecture.Gpt2, Layers = 4, Hidden = 256, Heads = 8, Intermediate = 1024, Vocab = 4096, MaxPositions = 128,
    };

    private static string? Arg(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    internal static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
