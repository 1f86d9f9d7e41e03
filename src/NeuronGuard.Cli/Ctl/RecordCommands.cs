using System.CommandLine;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Cli.Ctl;

/// <summary><c>ctl catalog put|list|get|activate</c> and <c>ctl baseline put|list|activate</c> (Catalogs / Baselines services).</summary>
internal static class RecordCommands
{
    public static Command Catalog()
    {
        var command = new Command("catalog", "Store, list and activate neuron catalogs on the daemon.");
        command.Subcommands.Add(Put());
        command.Subcommands.Add(List());
        command.Subcommands.Add(CatalogGetCommand.Create());
        command.Subcommands.Add(CatalogActivateCommand.Create());
        return command;
    }

    public static Command Baseline()
    {
        var command = new Command("baseline", "Store, list and activate calibrated baselines on the daemon.");
        command.Subcommands.Add(BaselineCommands.Put());
        command.Subcommands.Add(BaselineCommands.List());
        command.Subcommands.Add(Activate("baseline"));
        return command;
    }

    private static Command Put()
    {
        var file = new Argument<string>("file") { Description = "Catalog JSON file: as `neuronguard discover` or `catalog import-csv` write it, or the proto JSON `Catalogs.GetCatalog` returns." };
        var command = new Command("put", "Store a catalog version (not yet active).") { file };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new CtlUsageException($"catalog file '{path}' does not exist.");
            }
            var catalog = CatalogFile.Read(path);
            var reply = await s.Catalogs.PutCatalogAsync(new PutCatalogRequest { Catalog = catalog }, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            s.Output.WriteLine($"stored catalog '{reply.Version}' for model {catalog.ModelFingerprint} ({catalog.Sets.Count} sets), not active yet. Next: calibrate a baseline for it " +
                $"(`neuronguard calibrate --catalog FILE ...`, then `neuronguard ctl baseline put`), then `neuronguard ctl catalog activate --model {catalog.ModelFingerprint} {reply.Version}` activates the pair");
        }));
        return command;
    }

    private static Command List()
    {
        var model = new Option<string>("--model") { Description = "Model fingerprint.", Required = true };
        var command = new Command("list", "Catalog versions stored for a model; * marks the active one.") { model };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var reply = await s.Catalogs.ListCatalogsAsync(new ListCatalogsRequest { ModelFingerprint = parse.GetValue(model)! }, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            if (reply.Versions.Count == 0)
            {
                s.Output.WriteLine($"no catalogs stored for model {parse.GetValue(model)}");
            }
            foreach (var v in reply.Versions)
            {
                s.Output.WriteLine(v == reply.ActiveVersion ? $"* {v}" : $"  {v}");
            }
        }));
        return command;
    }

    private static Command Activate(string kind)
    {
        var model = new Option<string>("--model") { Description = "Model fingerprint.", Required = true };
        var version = new Argument<string>("version") { Description = $"The {kind} version to activate." };
        var command = new Command("activate", $"Switch the model's active {kind} (model servers pick it up at a request boundary).") { model, version };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            string fingerprint = parse.GetValue(model)!, v = parse.GetValue(version)!;
            string previous;
            if (kind == "catalog")
            {
                var reply = await s.Catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = fingerprint, Version = v }, s.Call());
                previous = reply.PreviousVersion;
                if (s.AsJson)
                {
                    s.WriteJson(reply);
                    return;
                }
            }
            else
            {
                var reply = await s.Baselines.ActivateBaselineAsync(new ActivateBaselineRequest { ModelFingerprint = fingerprint, Version = v }, s.Call());
                previous = reply.PreviousVersion;
                if (s.AsJson)
                {
                    s.WriteJson(reply);
                    return;
                }
            }
            s.Output.WriteLine($"{kind} '{v}' is active for model {fingerprint} (was {(previous.Length == 0 ? "none" : $"'{previous}'")})");
        }));
        return command;
    }
}
