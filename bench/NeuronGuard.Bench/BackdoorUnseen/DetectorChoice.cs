using NeuronGuard.Bench.TriggerScan;
using NeuronGuard.Engine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Offline.Evaluation.TriggerScan;
using NeuronGuard.Offline.Running;
using static NeuronGuard.Bench.Trained.TrainedReport;

namespace NeuronGuard.Bench.BackdoorUnseen;

/// <summary>One candidate detector and its discovery figures (pooled over the three discovery triggers).</summary>
internal sealed record Candidate(string Label, string Signal, string M, List<NeuronRef>? Scan, DetectorOptions Options, bool Backdoor, ScanMeasure Disc)
{
    public double Gap => Disc.Tpr - Disc.Fpr;
}

/// <summary>
/// The choice of detector, on discovery data only (trigger_disc vs clean_disc, thresholds from benign_calib). THE RULE,
/// written before any evaluation figure was computed: every candidate is scored by its prefill flag rate on triggered
/// discovery prompts minus its flag rate on their clean pairs, each prompt judged by a detector that never saw its
/// trigger (leave one discovery trigger out: the known-trigger set is discovered on the other two triggers' prompts;
/// the scan variants see no trigger at all, so they are scored on all of them); the largest gap wins, ties by AUROC.
/// Candidates: the trigger scan on six generic sets (every 16th layer-0 neuron, all of layer 0, 1, 2, 3, all layers) ×
/// three signals × four m; the known-trigger AUROC-ranked backdoor set (Discoverer, default top 10); and the union of
/// that set with the best scan variant (a request flagged by either). The winner is rebuilt on all three triggers.
/// </summary>
internal static class DetectorChoice
{
    public static List<Candidate> Run(ScanCapture capture, UnseenData data, List<string> benign)
    {
        var info = capture.Host.Info;
        var disc = data.Read("trigger_disc");
        var clean = data.Read("clean_disc");
        var trig = disc.Select(p => p.Text).ToList();
        var cl = clean.Select(p => p.Text).ToList();
        var candidates = new List<Candidate>();
        foreach (var (name, set) in GenericSets(info))
        {
            foreach (var signal in new[] { TriggerScanSignal.Change, TriggerScanSignal.Level, TriggerScanSignal.Range })
            {
                foreach (int m in new[] { 1, 4, 16, set.Count })
                {
                    var o = new DetectorOptions { TriggerScanSignal = signal, TriggerScanTopM = m };
                    var scan = ScanModel.Calibrate(capture, set, benign, o);
                    var measure = ScanMeasure.Of(scan.Score(trig), scan.Score(cl), intervals: false);
                    candidates.Add(new Candidate(name, signal.ToString(), m == set.Count ? Inv($"{m} (all)") : Inv($"{m}"), set, o, false, measure));
                    Console.WriteLine(Inv($"  scan {name} {signal} m={m}: AUROC {measure.Auroc:0.000}, flagged {Pct(measure.Tpr)}, clean {Pct(measure.Fpr)}"));
                }
            }
        }

        // The known-trigger set, leave one discovery trigger out.
        var triggers = data.DiscoveryTriggers();
        var bdT = new PrefillVerdict[disc.Count];
        var bdC = new PrefillVerdict[disc.Count];
        foreach (var left in triggers)
        {
            var inFold = Enumerable.Range(0, disc.Count).Where(i => disc[i].Phrase != left).ToList();
            var outFold = Enumerable.Range(0, disc.Count).Where(i => disc[i].Phrase == left).ToList();
            var scorer = KnownTrigger(capture, inFold.Select(i => trig[i]), inFold.Select(i => cl[i]), benign);
            foreach (int i in outFold)
            {
                bdT[i] = scorer.Score(trig[i]);
                bdC[i] = scorer.Score(cl[i]);
            }
            Console.WriteLine($"  known-trigger set without \"{left}\": flagged {outFold.Count(i => bdT[i].Flag)}/{outFold.Count}, clean {outFold.Count(i => bdC[i].Flag)}/{outFold.Count}");
        }
        var bd = Measure(bdT, bdC);
        candidates.Add(new Candidate("known-trigger backdoor set (Discoverer top 10, leave one trigger out)", "backdoor", "—", null, new DetectorOptions(), true, bd));

        var bestScan = candidates.Where(c => c.Scan is not null).OrderByDescending(c => c.Gap).ThenByDescending(c => c.Disc.Auroc).First();
        var s = ScanModel.Calibrate(capture, bestScan.Scan!, benign, bestScan.Options);
        var sT = s.Score(trig);
        var sC = s.Score(cl);
        float sThr = Math.Max(s.Threshold, 1e-6f);
        var uT = bdT.Select((v, i) => new PrefillVerdict(Math.Max(v.Score, sT[i].Score / sThr), v.Flag || sT[i].Flag)).ToArray();
        var uC = bdC.Select((v, i) => new PrefillVerdict(Math.Max(v.Score, sC[i].Score / sThr), v.Flag || sC[i].Flag)).ToArray();
        candidates.Add(new Candidate($"union: known-trigger set OR scan ({bestScan.Label}, {bestScan.Signal}, m = {bestScan.M})", bestScan.Signal, bestScan.M,
            bestScan.Scan, bestScan.Options, true, Measure(uT, uC)));
        return candidates;
    }

    /// <summary>The rule: largest discovery gap (flagged − clean flagged), then AUROC; the first in candidate order on a full tie.</summary>
    public static Candidate Choose(List<Candidate> candidates) =>
        candidates.OrderByDescending(c => Math.Round(c.Gap, 9)).ThenByDescending(c => c.Disc.Auroc).First();

    /// <summary>The known-trigger backdoor set discovered on <paramref name="positive"/> vs <paramref name="negative"/> (top 10), calibrated on benign text.</summary>
    public static PrefillScorer KnownTrigger(ScanCapture capture, IEnumerable<string> positive, IEnumerable<string> negative, List<string> benign)
    {
        var (catalog, baseline) = KnownTriggerCatalog(capture.Host, positive, negative, benign);
        return new PrefillScorer(capture, catalog, baseline, new DetectorOptions(), DetectorKind.Backdoor);
    }

    public static (Catalog Catalog, NeuronGuard.Engine.Baselines.Baseline Baseline) KnownTriggerCatalog(NeuronGuard.Inference.ModelHost host,
        IEnumerable<string> positive, IEnumerable<string> negative, List<string> benign)
    {
        var set = Discoverer.Run(host, positive, negative, NeuronSetKind.Backdoor, new DiscoverOptions()).Set with { Name = "backdoor" };
        var catalog = BackdoorPipeline.CatalogOf(host.Info, "known-trigger", set);
        return (catalog, Calibrator.Run(host, catalog, benign, new CalibrateOptions()));
    }

    public static IEnumerable<(string Name, List<NeuronRef> Set)> GenericSets(NeuronGuard.Inference.ModelInfo info)
    {
        int w = info.MlpNeurons;
        yield return (Inv($"every {w / 64}th layer-0 neuron (64)"), Enumerable.Range(0, 64).Select(i => new NeuronRef(0, i * (w / 64))).ToList());
        for (int l = 0; l < info.Layers; l++)
        {
            yield return (Inv($"all of layer {l} ({w})"), Enumerable.Range(0, w).Select(i => new NeuronRef(l, i)).ToList());
        }
        yield return (Inv($"all layers ({info.Layers * w})"), Enumerable.Range(0, info.Layers * w).Select(k => new NeuronRef(k / w, k % w)).ToList());
    }

    public static ScanMeasure Measure(IReadOnlyList<PrefillVerdict> pos, IReadOnlyList<PrefillVerdict> neg, bool intervals = false) =>
        ScanMeasure.Of(pos.Select(v => v.Score).ToList(), pos.Select(v => v.Flag).ToList(), neg.Select(v => v.Score).ToList(), neg.Select(v => v.Flag).ToList(), intervals);
}
