using System.CommandLine;
using Google.Protobuf;
using NeuronGuard.Api.V1;
using NeuronGuard.Cli.Ctl;
using NeuronGuard.Client;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;
using NeuronGuard.Inference.Explaining;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Jobs;
using EngineCatalog = NeuronGuard.Engine.Catalogs.Catalog;
using NeuronExplanation = NeuronGuard.Engine.Catalogs.NeuronExplanation;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard explain --model DIR --catalog catalog.json [--out FILE] [--top-k 8]</c>, or
/// <c>--from-daemon ... --put [--baseline FILE --activate]</c>: each catalogued neuron's promoted and suppressed output
/// tokens through the LM head (logit lens), stored in the catalog. Bad input (model folder, catalog, --top-k, flag
/// combination) exits 2 with one line; a daemon call that fails exits 1 (docs/ctl.md exit codes).
/// </summary>
internal static class ExplainCommand
{
    /// <summary>Neurons listed on stdout after the run; the catalog holds them all.</summary>
    private const int Listed = 20;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json, safetensors, tokenizer.json) the catalog was made for.", Required = true };
        var catalog = new Option<string?>("--catalog") { Description = "Catalog file to explain (written back in place, same version, unless --out or --put)." };
        var fromDaemon = new Option<bool>("--from-daemon") { Description = "Explain the daemon's active catalog for this model instead of a file." };
        var output = new Option<string?>("--out") { Description = "Catalog file to write the explained catalog to." };
        var put = new Option<bool>("--put") { Description = "Store the explained catalog on the daemon as a new version (default version: the input's + \"-explained\")." };
        var version = new Option<string?>("--version") { Description = "Version of the explained catalog (default: the input's for a file, the input's + \"-explained\" with --put)." };
        var baseline = new Option<string?>("--baseline") { Description = "With --put: the baseline file calibrated for the input catalog, stored again for the explained version (explanations do not change the slots), so the pair can be activated without recalibrating." };
        var activate = new Option<bool>("--activate") { Description = "With --put: activate the explained catalog (the daemon activates it with its baseline)." };
        var topK = new Option<int>("--top-k") { Description = $"Promoted and suppressed tokens kept per neuron (1–{NeuronExplanation.MaxTokens}).", DefaultValueFactory = _ => ExplainJob.DefaultTopK };
        var server = new Option<string>("--server") { Description = $"Daemon address for --from-daemon and --put {ClientEnvironment.ServerHelp}.", DefaultValueFactory = _ => ClientEnvironment.Server };
        var token = new Option<string?>("--token") { Description = $"Bearer token (default: ${ClientEnvironment.TokenVariable}); --put needs the operator role." };
        var command = new Command("explain", "Explain each catalogued neuron by the output tokens its down-projection promotes and suppresses through the LM head (logit lens), and store them in the catalog.");
        foreach (var o in new Option[] { model, catalog, fromDaemon, output, put, version, baseline, activate, topK, server, token })
        {
            command.Options.Add(o);
        }
        command.SetAction(async (parse, ct) =>
        {
            var args = new Args(parse.GetValue(model)!, parse.GetValue(catalog), parse.GetValue(fromDaemon), parse.GetValue(output), parse.GetValue(put),
                parse.GetValue(version), parse.GetValue(baseline), parse.GetValue(activate), parse.GetValue(topK), parse.GetValue(server)!, ClientEnvironment.Token(parse.GetValue(token)));
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            try
            {
                return await RunAsync(args, stdout, stderr, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ModelLoadException or CatalogException or BaselineFormatException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"error: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
                return 2;
            }
            catch (Exception e) when (ClientErrors.Describe(e, new ClientErrors.CallSite(args.Server)) is { } line)
            {
                await stderr.WriteLineAsync($"error: {line}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private sealed record Args(string Model, string? Catalog, bool FromDaemon, string? Out, bool Put, string? Version, string? Baseline, bool Activate, int TopK, string Server, string? Token);

    private static async Task<int> RunAsync(Args a, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (Usage(a) is { } problem)
        {
            await stderr.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
            return 2;
        }
        using var lens = LogitLens.Open(a.Model);
        using var channel = a.FromDaemon || a.Put ? DaemonChannel.Create(ClientEnvironment.Address(a.Server)!) : null;
        var call = new Grpc.Core.CallOptions(headers: DaemonChannel.Bearer(a.Token), cancellationToken: ct);
        EngineCatalog input;
        if (a.FromDaemon)
        {
            var wire = await new Catalogs.CatalogsClient(channel).GetCatalogAsync(new GetCatalogRequest { ModelFingerprint = lens.Fingerprint }, call).ConfigureAwait(false);
            input = CatalogMapping.ToEngine(wire, []);
        }
        else
        {
            input = ModelFiles.LoadCatalog(a.Catalog!);
        }
        string version = a.Version ?? (a.Put ? input.Version + "-explained" : input.Version);
        var explained = ExplainJob.Run(input, lens, a.TopK, version, stderr, out var tokens);
        string? path = a.Out ?? (a.Catalog is not null && !a.Put ? a.Catalog : null);
        if (path is not null)
        {
            ModelFiles.SaveCatalog(path, explained);
        }
        foreach (var t in tokens.Take(Listed))
        {
            await stdout.WriteLineAsync(ExplanationText.Neuron((uint)t.Layer, (uint)t.Index, t.Promotes.Select(x => x.Text).ToList(), t.Suppresses.Select(x => x.Text).ToList(), shown: 5)).ConfigureAwait(false);
        }
        if (tokens.Count > Listed)
        {
            await stdout.WriteLineAsync($"… and {tokens.Count - Listed} more neurons").ConfigureAwait(false);
        }
        await stdout.WriteLineAsync($"explained {tokens.Count} neurons of catalog '{input.Version}' (top {a.TopK}, {lens.Method}){(path is null ? "" : $"; wrote {path} (version {explained.Version})")}").ConfigureAwait(false);
        if (a.Put)
        {
            await PutAsync(a, channel!, call, input, explained, stdout).ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>The flag combinations that cannot work, said before any model is loaded.</summary>
    private static string? Usage(Args a)
    {
        if (a.TopK is < 1 or > NeuronExplanation.MaxTokens)
        {
            return $"--top-k {a.TopK} is out of range: give 1 to {NeuronExplanation.MaxTokens} (default {ExplainJob.DefaultTopK}).";
        }
        if ((a.Catalog is null) == !a.FromDaemon)
        {
            return "give either --catalog FILE or --from-daemon (the daemon's active catalog for this model).";
        }
        if (a.FromDaemon && a.Out is null && !a.Put)
        {
            return "--from-daemon needs --out FILE and/or --put: say where the explained catalog goes.";
        }
        if (!a.Put && (a.Baseline is not null || a.Activate))
        {
            return "--baseline and --activate go with --put.";
        }
        if ((a.FromDaemon || a.Put) && ClientEnvironment.Address(a.Server) is null)
        {
            return $"--server '{a.Server}' is not an address: use HOST:PORT, http://HOST:PORT or https://HOST:PORT.";
        }
        if (a.Version is not null && !Storage.StoreNames.IsValid(a.Version))
        {
            return $"--version '{a.Version}' is not a version name: use letters, digits, '.', '_' and '-' (at most {Storage.StoreNames.MaxLength}).";
        }
        return null;
    }

    /// <summary>
    /// Stores the explained catalog as a new version and, given the input's baseline file, the same baseline bound to
    /// it: explanations change no slot, so the statistics still hold, and the daemon pairs catalogs with baselines.
    /// </summary>
    private static async Task PutAsync(Args a, Grpc.Net.Client.GrpcChannel channel, Grpc.Core.CallOptions call, EngineCatalog input, EngineCatalog explained, TextWriter stdout)
    {
        var catalogs = new Catalogs.CatalogsClient(channel);
        Baseline? rebound = null;
        if (a.Baseline is not null)
        {
            var b = ModelFiles.LoadBaseline(a.Baseline);
            if (b.CatalogVersion != input.Version || !string.Equals(b.Fingerprint, input.Model.Fingerprint, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"baseline '{a.Baseline}' was calibrated for catalog '{b.CatalogVersion}' of model {b.Fingerprint[..Math.Min(12, b.Fingerprint.Length)]}…, not for the explained catalog '{input.Version}': give the baseline of that catalog.");
            }
            rebound = b with { CatalogVersion = explained.Version };
        }
        var put = await catalogs.PutCatalogAsync(new PutCatalogRequest { Catalog = CatalogMapping.ToProto(explained) }, call).ConfigureAwait(false);
        await stdout.WriteLineAsync($"put catalog '{put.Version}' for model {explained.Model.Fingerprint}").ConfigureAwait(false);
        if (rebound is not null)
        {
            var info = await new Baselines.BaselinesClient(channel).PutBaselineAsync(
                new PutBaselineRequest { Baseline = ByteString.CopyFrom(BaselineFormat.Write(rebound)) }, call).ConfigureAwait(false);
            await stdout.WriteLineAsync($"put baseline '{info.Version}' for catalog '{put.Version}' (the statistics of '{a.Baseline}')").ConfigureAwait(false);
        }
        if (a.Activate)
        {
            await catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = explained.Model.Fingerprint, Version = put.Version }, call).ConfigureAwait(false);
            await stdout.WriteLineAsync($"activated catalog '{put.Version}'").ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync($"not active yet: `neuronguard ctl catalog activate --model {explained.Model.Fingerprint} {put.Version}` (it needs a baseline calibrated for it: --baseline FILE here, or `neuronguard calibrate`)").ConfigureAwait(false);
        }
    }
}
