using System.Diagnostics;
using NeuronGuard.Api.V1;
using NeuronGuard.Bench.Trained;
using NeuronRef = NeuronGuard.Engine.NeuronRef;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Inference;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Offline.Evaluation.TriggerScan;
using static NeuronGuard.Bench.Trained.TrainedReport;

namespace NeuronGuard.Bench.BackdoorUnseen;

/// <summary>
/// Issue 27 items 2, 5 and 8 on tests/models/trained-gpt2-v2: chooses a detector on the discovery triggers only
/// (<see cref="DetectorChoice"/>), then reports on the five unseen triggers (trigger_eval): prefill flag rate and its
/// controls (untrained weights, random neuron sets, lexical regexes) offline, and attack success with no response, the
/// default response (abort) and mask_attention, false aborts and changed clean outputs through a real daemon.
/// Writes bench/results/backdoor-unseen.md. Options: --choose-only (the discovery table only), --prompts N (first N of
/// each split through the daemon; default all).
/// </summary>
internal sealed class BackdoorUnseenBenchmark : IBenchmark
{
    public string Name => "backdoor-unseen";

    public string Description => "v2 model, unseen triggers: detector chosen on discovery triggers, flag rate, attack success off/abort/mask, false aborts, controls";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        int at = Array.IndexOf(args, "--prompts");
        int limit = int.MaxValue;
        if (at >= 0 && (at + 1 >= args.Length || !int.TryParse(args[at + 1], out limit) || limit < 1))
        {
            Console.Error.WriteLine("--prompts needs a positive whole number (prompts per split through the daemon).");
            return 2;
        }
        var clock = Stopwatch.StartNew();
        string root = Detection.DetectionBenchmark.FindRepoRoot();
        var data = UnseenData.Load(root);
        var benign = data.Texts("benign_calib");
        var splits = new (string Name, List<UnseenPrompt> Prompts)[]
        {
            ("trigger_eval", data.Read("trigger_eval")), ("clean_eval", data.Read("clean_eval")), ("decoy_eval", data.Read("decoy_eval")),
            ("trigger_disc_heldout", data.Read("trigger_disc_heldout")), ("benign_eval", data.Read("benign_eval")),
        }.ToDictionary(s => s.Name, s => s.Prompts);
        var report = new UnseenReport(args, splits);
        using (var host = ModelHost.Load(data.ModelDir, new ModelHostOptions { Threads = 1 }))
        using (var capture = new ScanCapture(host))
        {
            Console.WriteLine("discovery: candidates …");
            report.Candidates = DetectorChoice.Run(capture, data, benign);
            report.Chosen = DetectorChoice.Choose(report.Candidates);
            Console.WriteLine(Inv($"chosen: {report.Chosen.Label} {report.Chosen.Signal} m={report.Chosen.M} ({clock.Elapsed.TotalSeconds:0} s)"));
            if (args.Contains("--choose-only"))
            {
                return 0;
            }
            Console.WriteLine("evaluation: offline prefill figures …");
            (report.Catalog, report.Baseline) = UnseenDeployment.Build(host, report.Chosen, data, benign);
            var kinds = UnseenDeployment.Kinds(report.Chosen);
            foreach (var k in kinds.Length > 1 ? new[] { kinds, [kinds[0]], [kinds[1]] } : new[] { kinds })
            {
                var scorer = new PrefillScorer(capture, report.Catalog, report.Baseline, report.Chosen.Options, k);
                report.Offline.Add((string.Join(" OR ", k.Select(KindName)), splits.ToDictionary(s => s.Key, s => scorer.Score(s.Value.Select(p => p.Text)))));
            }
            Console.WriteLine("controls: random neuron sets …");
            report.Random = RandomSets(capture, report.Catalog, report.Chosen, benign, splits);
            Console.WriteLine("controls: untrained weights …");
            report.Untrained = Untrained(host.Info, report.Chosen, data, benign, splits);
        }
        report.Lexicons = [TriggerLexicon.Phrases(data.DiscoveryTriggers()), TriggerLexicon.Words(data.DiscoveryTriggers())];

        Console.WriteLine("daemon: responses …");
        await using (var d = await UnseenDaemon.StartAsync(data.ModelDir, report.Chosen.Options, _ => (report.Catalog, report.Baseline), cancellationToken))
        {
            var configs = new (string Label, string Tenant, MitigationMode? Mode)[]
            {
                ("off (explicit entry)", "bu-off", MitigationMode.Off),
                (report.Chosen.Scan is null ? "default: no entry → abort" : "default (backdoor set: no entry → abort; scan set: explicit abort)", "bu-default", null),
                ("mask_attention", "bu-mask", MitigationMode.MaskAttention),
            };
            foreach (var c in configs)
            {
                if (c.Mode is { } mode)
                {
                    await d.PolicyAsync(c.Tenant, mode);
                }
                else if (report.Chosen.Scan is not null)
                {
                    await d.PolicyAsync(c.Tenant, MitigationMode.Abort, BackdoorPipeline.ScanSet);
                }
                var bySplit = new Dictionary<string, List<HostedResult>>();
                foreach (var name in new[] { "trigger_eval", "clean_eval", "decoy_eval", "trigger_disc_heldout" })
                {
                    Console.WriteLine(Inv($"  {c.Label}: {name} ({clock.Elapsed.TotalSeconds:0} s)"));
                    var list = new List<HostedResult>();
                    foreach (var p in splits[name].Take(limit))
                    {
                        list.Add(await d.Host.GenerateAsync(p.Text, new GenerationOptions { MaxNewTokens = TrainedGeneration.MaxNewTokens }, c.Tenant, cancellationToken: cancellationToken));
                    }
                    bySplit[name] = list;
                }
                report.Runs.Add(new ResponseRun(c.Label, c.Tenant, bySplit));
            }
        }
        report.Seconds = clock.Elapsed.TotalSeconds;
        var md = report.Write();
        string path = Path.Combine(root, "bench", "results", "backdoor-unseen.md");
        await File.WriteAllTextAsync(path, md, cancellationToken);
        Console.WriteLine(md);
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    internal static string KindName(DetectorKind k) => k == DetectorKind.Backdoor ? "known-trigger backdoor set" : "trigger scan";

    /// <summary>Ten draws (seed 27) of random neurons for each chosen set, same kinds, counts and options, calibrated the same way.</summary>
    private static List<Dictionary<string, List<PrefillVerdict>>> RandomSets(ScanCapture capture, Engine.Catalogs.Catalog deployed, Candidate chosen,
        List<string> benign, Dictionary<string, List<UnseenPrompt>> splits)
    {
        var info = capture.Host.Info;
        var rng = new Random(27);
        var all = Enumerable.Range(0, info.Layers * info.MlpNeurons).Select(k => new NeuronRef(k / info.MlpNeurons, k % info.MlpNeurons)).ToList();
        var runs = new List<Dictionary<string, List<PrefillVerdict>>>();
        for (int draw = 0; draw < 10; draw++)
        {
            var sets = deployed.Sets.Select(s => s with
            {
                Neurons = all.OrderBy(_ => rng.Next()).Take(s.Neurons.Count).OrderBy(n => n.Layer).ThenBy(n => n.Index)
                    .Select(n => new Engine.Catalogs.CatalogNeuron { Layer = n.Layer, Index = n.Index }).ToList(),
            }).ToArray();
            var catalog = BackdoorPipeline.CatalogOf(info, "random", sets);
            var baseline = Offline.Running.Calibrator.Run(capture.Host, catalog, benign, new Offline.Running.CalibrateOptions { Detectors = chosen.Options });
            var scorer = new PrefillScorer(capture, catalog, baseline, chosen.Options, UnseenDeployment.Kinds(chosen));
            runs.Add(new[] { "trigger_eval", "clean_eval" }.ToDictionary(n => n, n => scorer.Score(splits[n].Select(p => p.Text))));
            Console.WriteLine(Inv($"  draw {draw}: flagged {runs[^1]["trigger_eval"].Count(v => v.Flag)}, clean {runs[^1]["clean_eval"].Count(v => v.Flag)}"));
        }
        return runs;
    }

    /// <summary>The same pipeline (discovery on trigger_disc vs clean_disc, calibration on benign_calib) on untrained weights of v2's shape.</summary>
    private static Dictionary<string, List<PrefillVerdict>> Untrained(ModelInfo info, Candidate chosen, UnseenData data, List<string> benign,
        Dictionary<string, List<UnseenPrompt>> splits)
    {
        string dir = Directory.CreateTempSubdirectory("ng-untrained-v2-").FullName;
        try
        {
            FixtureMaker.WriteRandom(dir, TriggerScan.TriggerScanBenchmark.UntrainedShape(info), seed: 27);
            File.Copy(Path.Combine(data.ModelDir, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"), overwrite: true);
            using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = 1 });
            using var capture = new ScanCapture(host);
            var (catalog, baseline) = UnseenDeployment.Build(host, chosen, data, benign);
            var scorer = new PrefillScorer(capture, catalog, baseline, chosen.Options, UnseenDeployment.Kinds(chosen));
            return new[] { "trigger_eval", "clean_eval", "benign_eval" }.ToDictionary(n => n, n => scorer.Score(splits[n].Select(p => p.Text)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
