using System.CommandLine;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Jobs;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard catalog import-csv</c> (research output <c>layer,index,score</c> → catalog set) and
/// <c>neuronguard catalog validate</c> (every problem, with its fix).
/// </summary>
internal static class CatalogCommand
{
    public static Command Create()
    {
        var command = new Command("catalog", "Import and validate neuron catalogs.");
        command.Subcommands.Add(ImportCsv());
        command.Subcommands.Add(Validate());
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
            Console.WriteLine($"ok: {catalog.Sets.Count} sets, {catalog.Sets.Sum(s => s.Neurons.Count)} neurons, version {catalog.Version}");
        })));
        return command;
    }
}
