using System.CommandLine;
using NeuronGuard.Engine.Calibration;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard calibrate --model DIR --catalog C --data benign.jsonl --out baseline.ngb</c>: builds the coverage
/// baseline and every detector's threshold at the chosen false-positive rate.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var defaults = new CalibrationOptions();
        var model = new Option<string>("--model") { Description = "Model folder.", Required = true };
        var catalog = new Option<string>("--catalog") { Description = "Catalog file (from `neuronguard discover` or `catalog import-csv`).", Required = true };
        var data = new Option<string>("--data") { Description = "JSON Lines benign texts.", Required = true };
        var output = new Option<string>("--out") { Description = "Baseline file to write.", DefaultValueFactory = _ => "baseline.ngb" };
        var fpr = new Option<float>("--fpr") { Description = "Target false-positive rate of every detector.", DefaultValueFactory = _ => defaults.TargetFpr };
        var bins = new Option<int>("--bins") { Description = "Coverage histogram bins per neuron.", DefaultValueFactory = _ => defaults.Bins };
        var mass = new Option<float>("--mass-threshold") { Description = "Share of calibration mass a bin needs to count as covered.", DefaultValueFactory = _ => defaults.MassThreshold };
        var holdout = new Option<double>("--holdout") { Description = "Share of the texts held out to set thresholds.", DefaultValueFactory = _ => defaults.HoldoutFraction };
        var steps = new Option<int>("--decode-steps") { Description = "Greedy steps captured after each prompt.", DefaultValueFactory = _ => 4 };
        var threads = new Option<int>("--threads") { Description = "CPU threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("calibrate", "Build a baseline (coverage histograms, standardization, detector thresholds) from benign texts.");
        foreach (var o in new Option[] { model, catalog, data, output, fpr, bins, mass, holdout, steps, threads })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, _) =>
        {
            var options = new CalibrateOptions
            {
                Calibration = new CalibrationOptions { TargetFpr = parse.GetValue(fpr), Bins = parse.GetValue(bins), MassThreshold = parse.GetValue(mass), HoldoutFraction = parse.GetValue(holdout) },
                DecodeSteps = parse.GetValue(steps),
            };
            var request = new CalibrateJob.Request(parse.GetValue(model)!, parse.GetValue(catalog)!, parse.GetValue(data)!, parse.GetValue(output)!, options, parse.GetValue(threads));
            return Task.FromResult(JobErrors.Run(() =>
            {
                var baseline = CalibrateJob.Run(request, Console.Error);
                Console.WriteLine($"wrote {request.Output}: {baseline.Slots.Count} slots, thresholds at FPR {baseline.TargetFpr}:");
                foreach (var d in baseline.Detectors)
                {
                    Console.WriteLine($"  {d.Name,-28} threshold {d.Threshold:G5}");
                }
            }));
        });
        return command;
    }
}
