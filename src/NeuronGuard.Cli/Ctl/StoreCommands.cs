using System.CommandLine;
using System.Globalization;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Cli.Ctl;

/// <summary><c>ctl store resolve --write-back|--adopt</c>: the operator's answer to a store that lost data.</summary>
internal static class StoreCommands
{
    public static Command Create()
    {
        var writeBack = new Option<bool>("--write-back")
        {
            Description = "This daemon's cached policy wins: write it back (and put lost catalogs and baselines back from its local snapshot).",
        };
        var adopt = new Option<bool>("--adopt") { Description = "The store's data wins: take its policy and drop catalogs and baselines it lost." };
        var resolve = new Command("resolve",
            "Resolve a store that lost data (/readyz says \"store lost data\"): give exactly one of --write-back or --adopt. Every replica follows.")
        {
            writeBack, adopt,
        };
        resolve.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            if (parse.GetValue(writeBack) == parse.GetValue(adopt))
            {
                throw new CtlUsageException("give exactly one of --write-back (the daemon's cache wins) or --adopt (the store's data wins).");
            }
            var client = new StoreAdmin.StoreAdminClient(s.Channel);
            var reply = await client.ResolveDataLossAsync(new ResolveDataLossRequest
            {
                Resolution = parse.GetValue(writeBack) ? StoreResolution.WriteBack : StoreResolution.Adopt,
            }, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            s.Output.WriteLine($"resolved: {reply.Resolved}");
            s.Output.WriteLine($"policy written at version {reply.PolicyVersion.ToString(CultureInfo.InvariantCulture)}; every replica adopts it");
            foreach (var r in reply.Restored) s.Output.WriteLine($"  {r}");
            foreach (var r in reply.NotRestored) s.Output.WriteLine($"  NOT restored: {r}");
        }));
        return new Command("store", "The daemon's store: resolve data loss.") { resolve };
    }
}
