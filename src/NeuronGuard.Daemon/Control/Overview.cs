using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Control;

/// <summary>Control.GetOverview's answer, read from the daemon's state (nothing is fetched from the store).</summary>
internal static class Overview
{
    public static GetOverviewResponse Build(DaemonContext ctx)
    {
        var health = ctx.Sync.Health;
        var response = new GetOverviewResponse
        {
            Store = new StoreState
            {
                Backend = ctx.Options.Store.Kind == StoreKind.Redis ? "redis" : "embedded",
                State = health.State.ToString(),
                CanServe = health.CanServe,
                Reason = health.DataLoss ?? (health.State == Storage.Sync.StoreHealthState.Serving ? "" : health.Reason),
            },
            PolicyVersion = (ulong)Math.Max(0, ctx.Policy.Current.Version),
            Counters = ctx.Counters.ToProto(ctx.Feed.DroppedTotal),
            AtUnixMs = ctx.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            StartedAtUnixMs = ctx.Counters.StartedAt.ToUnixTimeMilliseconds(),
        };
        var servers = ctx.Sessions.Servers();
        response.Servers.Add(servers);
        response.UnmonitoredModels.Add(Unmonitored(ctx, servers));
        return response;
    }

    /// <summary>Expected models (an active catalog, loaded or not) that no connected server is monitoring, with why.</summary>
    private static IEnumerable<UnmonitoredModel> Unmonitored(DaemonContext ctx, List<ConnectedServer> servers)
    {
        var expected = ctx.Sync.Models.Where(fp => ctx.Sync.GetModel(fp)?.Catalog is not null)
            .Concat(ctx.Sync.LoadFailures.Where(f => f.Kind == RecordKind.Catalog).Select(f => f.Fingerprint))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal);
        foreach (var fingerprint in expected)
        {
            var connected = servers.Where(s => string.Equals(s.ModelFingerprint, fingerprint, StringComparison.OrdinalIgnoreCase)).ToList();
            if (connected.Any(s => s.Monitored))
            {
                continue;
            }
            yield return new UnmonitoredModel
            {
                ModelFingerprint = fingerprint,
                ModelName = ModelNames.Of(ctx.Sync, fingerprint),
                Reason = connected.Count == 0
                    ? "no model server of this model is connected"
                    : $"{connected.Count} connected server(s) not monitored: {connected[0].Problem}",
            };
        }
    }
}
