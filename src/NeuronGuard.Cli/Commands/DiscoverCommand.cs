using System.CommandLine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard discover --model DIR --positive pos.jsonl --negative neg.jsonl --kind toxicity --out catalog.json</c>:
/// scores every MLP neuron's AUROC and writes the kept neurons as a catalog set with AurA gains. With
/// <c>--role attenuate --target TEXT</c> it ranks neurons by causal effect instead (AblationDiscoverer) and writes an attenuate set.
/// </summary>
internal static class DiscoverCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json, safetensors, tokenizer.json).", Required = true };
        var positive = new Option<string>("--positive") { Description = "JSON Lines texts showing the behaviour ({\"text\": ...} per line).", Required = true };
        var negative = new Option<string>("--negative") { Description = "JSON Lines texts without it.", Required = true };
        var kind = new Option<string>("--kind") { Description = "Set kind: toxicity, safety, backdoor or custom.", Required = true };
        kind.AcceptOnlyFromAmong("toxicity", "safety", "backdoor", "custom");
        var output = new Option<string>("--out") { Description = "Catalog file to write; an existing one for this model gets the set added or replaced.", DefaultValueFactory = _ => "catalog.json" };
        var name = new Option<string?>("--name") { Description = "Set name (defaults to the kind)." };
        var topK = new Option<int?>("--top-k") { Description = "Keep at most k neurons (default 10 when --min-auroc is not given)." };
        var minAuroc = new Option<double?>("--min-auroc") { Description = "Keep neurons with AUROC at least this." };
        var bins = new Option<int>("--bins") { Description = "Histogram bins per neuron and class (AUROC resolution vs memory).", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads") { Description = "CPU threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var role = new Option<string>("--role") { Description = "Set role: both (default: detectors and gains), detect (AUROC-ranked, no gains) or attenuate (chosen by causal effect at generated positions; needs --target and a detecting set of the kind in --out).", DefaultValueFactory = _ => "both" };
        role.AcceptOnlyFromAmong("both", "detect", "attenuate");
        var causal = CausalOptions.Create();
        var command = new Command("discover", "Find the neurons that separate positive from negative texts (AurA AUROC) and write a catalog set.");
        foreach (var o in new Option[] { model, positive, negative, kind, output, name, topK, minAuroc, bins, threads, role }.Concat(causal.All))
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, _) =>
        {
            var setKind = Enum.Parse<NeuronSetKind>(parse.GetValue(kind)!, ignoreCase: true);
            var setRole = Enum.Parse<NeuronSetRole>(parse.GetValue(role)!, ignoreCase: true);
            if (setRole == NeuronSetRole.Attenuate)
            {
                if (parse.GetValue(topK) is not null || parse.GetValue(minAuroc) is not null)
                {
                    parse.InvocationConfiguration.Error.WriteLine("error: --top-k and --min-auroc choose AUROC-ranked sets; with --role attenuate the size comes from ablation (--max-success, --max-size).");
                    return Task.FromResult(1);
                }
                return Task.FromResult(causal.Run(parse, new CausalRun(parse.GetValue(model)!, parse.GetValue(positive)!, parse.GetValue(negative)!, setKind,
                    parse.GetValue(output)!, parse.GetValue(name), parse.GetValue(threads))));
            }
            if (causal.Given(parse) is { } stray)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: {stray} applies to --role attenuate only.");
                return Task.FromResult(1);
            }
            var options = new DiscoverOptions { SetName = parse.GetValue(name), TopK = parse.GetValue(topK), MinAuroc = parse.GetValue(minAuroc), Bins = parse.GetValue(bins) };
            var request = new DiscoverJob.Request(parse.GetValue(model)!, parse.GetValue(positive)!, parse.GetValue(negative)!, setKind, parse.GetValue(output)!, options, parse.GetValue(threads));
            return Task.FromResult(JobErrors.Run(() =>
            {
                var (catalog, result) = DiscoverJob.Run(request with { Options = options with { Role = setRole } }, Console.Error);
                Console.WriteLine($"scored {result.Ranked.Length} neurons on {result.Positives} positive and {result.Negatives} negative texts; kept {result.Set.Neurons.Count} in set '{result.Set.Name}' of {request.Output} (version {catalog.Version})");
                foreach (var n in result.Ranked.Take(Math.Min(10, result.Set.Neurons.Count)))
                {
                    Console.WriteLine($"  layer {n.Neuron.Layer,3} index {n.Neuron.Index,6}  AUROC {n.Auroc:F4} (±{n.ErrorBound:F4})  d {n.EffectSize:F1}");
                }
            }));
        });
        return command;
    }
}
