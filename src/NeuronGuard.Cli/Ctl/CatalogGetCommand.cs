using System.CommandLine;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Cli.Ctl;

/// <summary>
/// <c>ctl catalog get --model FP [VERSION]</c>: the stored catalog as proto JSON (what <c>Catalogs.GetCatalog</c>
/// returns), which <c>ctl catalog put</c> reads back, so a catalog can be copied, edited and re-put under a new version.
/// </summary>
internal static class CatalogGetCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model fingerprint.", Required = true };
        var version = new Argument<string?>("version") { Description = "Catalog version (default: the active one).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("get", "Print a stored catalog as proto JSON (the active one by default).") { model, version };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var reply = await s.Catalogs.GetCatalogAsync(new GetCatalogRequest { ModelFingerprint = parse.GetValue(model)!, Version = parse.GetValue(version) ?? "" }, s.Call());
            s.WriteJson(reply);
        }));
        return command;
    }
}
