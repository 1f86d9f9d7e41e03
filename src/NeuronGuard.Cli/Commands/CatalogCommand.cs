using System.CommandLine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Jobs;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard catalog import-csv</c> (research output <c>layer,index,score</c> → catalog set) and
/// <c>neuronguard catalog validate</c> (every problem, with its fix) and <c>neuronguard catalog add-probe</c> (a trained
/// sparse probe into the catalog, as a new version).
/// </summary>
internal static class CatalogCommand
{
    public static Command Create()
    {
        var command = new Command("catalog", "Import and validate neuron catalogs, and attach sparse probes to them.");
        command.Subcommands.Add(ImportCsv());
        command.Subcommands.Add(Validate());
        command.Subcommands.Add(AddProbe());
        return command;
    }

    private static Command ImportCsv()
    {
        var csv = new Argument<string>("csv") { Description = "CSV file: layer,index[,score] per line." };
        var output = new Option<string>("--out") { Description = "Catalog file to write or add the set to.", Required = true };
        var name = new Option<string>("--name") { Description = "Set name.", Required = true };
        var kind = new Option<string>("--kind") { Description = "safety, toxicity, backdoor or custom.", Required = true };
        kind.AcceptOnlyFromAmong("toxicity", "safety", "backdoor", "custom");
        var fingerprint = new Option<string>("--fingerprint") { Description = "Model fingerprint (needed for a new catalog).", Required = true };
        var layers = new Option<int>("--layers") { Description = "Model layers.", Required = true };
        var neurons = new Option<int>("--neurons-per-layer") { Description = "MLP neurons per layer.", Required = true };
        var source = new Option<string>("--source") { Description = "Where the CSV came from (provenance.data).", DefaultValueFactory = _ => "csv import" };
        var version = new Option<string?>("--version") { Description = "Catalog version (defaults to a UTC timestamp)." };
        var command = new Command("import-csv", "Import a research CSV (layer,index,score) as a catalog set with AurA gains.");
        command.Arguments.Add(csv);
        foreach (var o in new Option[] { output, name, kind, fingerprint, layers, neurons, source, version })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, _) => Task.FromResult(JobErrors.Run(() =>
        {
            string path = parse.GetValue(csv)!;
            var provenance = new Provenance { Method = "csv-import", Data = parse.GetValue(source)!, Date = DateTime.UtcNow.ToString("yyyy-MM-dd") };
            using var reader = new StreamReader(path);
            var set = CatalogCsv.ReadSet(reader, parse.GetValue(name)!, Enum.Parse<NeuronSetKind>(parse.GetValue(kind)!, true), provenance);
            var model = new ModelShape { Fingerprint = parse.GetValue(fingerprint)!, Layers = parse.GetValue(layers), NeuronsPerLayer = parse.GetValue(neurons) };
            string output2 = parse.GetValue(output)!;
            var catalog = ModelFiles.MergeSet(output2, model, set, parse.GetValue(version) ?? DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'"));
            ModelFiles.SaveCatalog(output2, catalog);
            Console.WriteLine($"wrote set '{set.Name}' ({set.Neurons.Count} neurons) to {output2}");
        })));
        return command;
    }

    private static Command Validate()
    {
        var path = new Argument<string>("catalog") { Description = "Catalog file." };
        var model = new Option<string?>("--model") { Description = "Also check the catalog belongs to this model folder." };
        var command = new Command("validate", "Check a catalog file and list every problem with its fix.");
        command.Arguments.Add(path);
        command.Options.Add(model);
        command.SetAction((parse, _) => Task.FromResult(JobErrors.Run(() =>
        {
            var catalog = ModelFiles.LoadCatalog(parse.GetValue(path)!);
            if (parse.GetValue(model) is { } dir)
            {
                using var host = Inference.ModelHost.Load(dir, new Inference.ModelHostOptions { Threads = 1 });
                CatalogValidator.Validate(catalog, new ModelShape { Fingerprint = host.Info.Fingerprint, LegacyFingerprint = host.Info.LegacyFingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons });
            }
            string probes = catalog.Probes is { Count: > 0 } p ? $", {p.Count} probe(s) ({string.Join(", ", p.Select(x => $"probe:{x.Name}"))})" : "";
            Console.WriteLine($"ok: {catalog.Sets.Count} sets, {catalog.Sets.Sum(s => s.Neurons.Count)} neurons{probes}, version {catalog.Version}");
        })));
        return command;
    }

    private static Command AddProbe()
    {
        var catalog = new Argument<string>("catalog") { Description = "Catalog file the probe was trained on (rewritten unless --out is given)." };
        var probe = new Argument<string>("probe") { Description = "Probe file written by `neuronguard train-probe`." };
        var name = new Option<string?>("--name") { Description = "Probe name; the detector is probe:NAME (defaults to the probe's set)." };
        var version = new Option<string?>("--version") { Description = "The new catalog version (defaults to a UTC timestamp)." };
        var output = new Option<string?>("--out") { Description = "Write the catalog here instead of over CATALOG." };
        var replace = new Option<bool>("--replace") { Description = "Replace a probe of the same name." };
        var command = new Command("add-probe", "Attach a trained sparse probe to its catalog as a new catalog version; then put it, calibrate and activate.");
        command.Arguments.Add(catalog);
        command.Arguments.Add(probe);
        foreach (var o in new Option[] { name, version, output, replace })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, _) => Task.FromResult(JobErrors.Run(() =>
        {
            var request = new AddProbeJob.Request(parse.GetValue(catalog)!, parse.GetValue(probe)!, parse.GetValue(name), parse.GetValue(version),
                parse.GetValue(output), parse.GetValue(replace));
            var (updated, added) = AddProbeJob.Run(request);
            Console.WriteLine($"added probe '{added.Name}' ({added.Neurons.Count} neurons with a non-zero weight) as detector probe:{added.Name}; catalog version {updated.Version} written to {request.Output ?? request.CatalogPath}; calibrate it before activating (the threshold lives in the baseline)");
        })));
        return command;
    }
}
