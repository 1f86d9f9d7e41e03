using System.CommandLine;
using Grpc.Core;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Cli.Ctl;

/// <summary>
/// <c>ctl catalog activate --model FP VERSION [--without-baseline]</c> (issue 24 item 9). The daemon activates a catalog
/// together with the newest baseline calibrated for it, but on a model that was never monitored it activates a catalog
/// without one, which leaves the model unscored. The CLI looks first (Baselines.ListBaselines / GetBaseline): no
/// baseline for that catalog is refused unless --without-baseline says so; afterwards it prints the pair now active.
/// </summary>
internal static class CatalogActivateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model fingerprint.", Required = true };
        var version = new Argument<string>("version") { Description = "The catalog version to activate." };
        var alone = new Option<bool>("--without-baseline") { Description = "Activate a catalog no baseline was calibrated for: the model stays unscored until one is (never while it is monitored: the daemon refuses)." };
        var command = new Command("activate", "Activate a catalog with the newest baseline calibrated for it (model servers pick the pair up at a request boundary).") { model, version, alone };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            string fp = parse.GetValue(model)!, v = parse.GetValue(version)!;
            var before = await s.Baselines.ListBaselinesAsync(new ListBaselinesRequest { ModelFingerprint = fp }, s.Call());
            string? paired = await NewestBaselineForAsync(s, fp, v, before);
            // A catalog that is not stored gets the daemon's own NOT_FOUND below, not this refusal.
            bool stored = paired is not null || (await s.Catalogs.ListCatalogsAsync(new ListCatalogsRequest { ModelFingerprint = fp }, s.Call())).Versions.Contains(v);
            if (paired is null && stored && !parse.GetValue(alone))
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"catalog '{v}' of model {fp} has no calibrated baseline: activated alone it would leave the model unscored. " +
                    $"Calibrate one first (`neuronguard calibrate --catalog ...` then `ctl baseline put`), then activate the catalog again; " +
                    "or pass --without-baseline to activate it alone now. Nothing was changed"));
            }
            var reply = await s.Catalogs.ActivateCatalogAsync(new ActivateCatalogRequest { ModelFingerprint = fp, Version = v }, s.Call());
            var after = await s.Baselines.ListBaselinesAsync(new ListBaselinesRequest { ModelFingerprint = fp }, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            string was = $"catalog {Name(reply.PreviousVersion)}, baseline {Name(before.ActiveVersion)}";
            s.Output.WriteLine(after.ActiveVersion.Length > 0 && after.ActiveVersion == paired
                ? $"catalog '{v}' and baseline '{after.ActiveVersion}' (the newest calibrated for it) are active for model {fp} (was {was})"
                : $"catalog '{v}' is active for model {fp} without a baseline (was {was}): the model is not scored until a baseline for '{v}' is activated");
        }));
        return command;
    }

    private static string Name(string version) => version.Length == 0 ? "none" : $"'{version}'";

    /// <summary>The newest stored baseline calibrated for catalog <paramref name="catalog"/>, or null.</summary>
    private static async Task<string?> NewestBaselineForAsync(CtlSession s, string fp, string catalog, ListBaselinesResponse stored)
    {
        foreach (var version in stored.Versions.Reverse()) // stored oldest first
        {
            var info = await s.Baselines.GetBaselineAsync(new GetBaselineRequest { ModelFingerprint = fp, Version = version }, s.Call());
            if (info.CatalogVersion == catalog)
            {
                return version;
            }
        }
        return null;
    }
}
