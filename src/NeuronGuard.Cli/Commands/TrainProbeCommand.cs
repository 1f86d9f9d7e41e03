using System.CommandLine;
using NeuronGuard.Offline.Jobs;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard train-probe --model DIR --catalog catalog.json --set toxicity --positive pos.jsonl --negative neg.jsonl
/// --out probe.json</c>: trains a sparse probe (L1 logistic regression) over a catalog set's neurons and writes it.
/// </summary>
internal static class TrainProbeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json, safetensors, tokenizer.json).", Required = true };
        var catalog = new Option<string>("--catalog") { Description = "Catalog file holding the set.", Required = true };
        var set = new Option<string>("--set") { Description = "Catalog set whose neurons the probe reads.", Required = true };
        var positive = new Option<string>("--positive") { Description = "JSON Lines prompts labelled positive ({\"text\": ...} per line).", Required = true };
        var negative = new Option<string>("--negative") { Description = "JSON Lines prompts labelled negative.", Required = true };
        var calibration = new Option<string?>("--calibration") { Description = "JSON Lines benign prompts the threshold is set on (default: the negatives; better: held-out benign prompts of the kind the probe will see)." };
        var output = new Option<string>("--out") { Description = "Probe file to write (JSON, format 1).", DefaultValueFactory = _ => "probe.json" };
        var lambda = new Option<double>("--lambda") { Description = "L1 strength λ on standardized features: larger keeps fewer neurons.", DefaultValueFactory = _ => 0.01 };
        var fpr = new Option<float>("--fpr") { Description = "Target false-positive rate on the calibration prompts.", DefaultValueFactory = _ => 0.01f };
        var decode = new Option<int>("--decode-steps") { Description = "Greedy decode steps after each prompt, as calibrate runs them.", DefaultValueFactory = _ => 4 };
        var threads = new Option<int>("--threads") { Description = "CPU threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("train-probe", "Train a sparse probe (L1 logistic regression) over a catalog set's neurons on labelled prompts and write it with its calibrated threshold.");
        foreach (var o in new Option[] { model, catalog, set, positive, negative, calibration, output, lambda, fpr, decode, threads })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, _) =>
        {
            var request = new TrainProbeJob.Request(parse.GetValue(model)!, parse.GetValue(catalog)!, parse.GetValue(set)!, parse.GetValue(positive)!,
                parse.GetValue(negative)!, parse.GetValue(calibration), parse.GetValue(output)!, parse.GetValue(lambda), parse.GetValue(fpr),
                parse.GetValue(decode), parse.GetValue(threads));
            return Task.FromResult(JobErrors.Run(() =>
            {
                var probe = TrainProbeJob.Run(request, Console.Error);
                Console.WriteLine($"trained a sparse probe on set '{probe.Set}': {probe.NonZero} of {probe.Neurons.Count} neurons with a non-zero weight (λ {probe.Lambda}); threshold {probe.Threshold:G6} at FPR {probe.TargetFpr}; wrote {request.Output}");
                foreach (var n in probe.Neurons.Where(n => n.Weight != 0).OrderByDescending(n => Math.Abs(n.Weight)).Take(10))
                {
                    Console.WriteLine($"  layer {n.Neuron.Layer,3} index {n.Neuron.Index,6}  weight {n.Weight,8:F4}");
                }
            }));
        });
        return command;
    }
}
