using System.ComponentModel.DataAnnotations;

namespace NeuronGuard.Daemon.Http;

/// <summary>
/// The HTTP/JSON API on the admin listener (config section <c>Http</c>; docs/http.md): Control, Catalogs and Baselines
/// transcoded from gRPC, and live verdicts as server-sent events.
/// </summary>
public sealed class HttpApiOptions
{
    /// <summary>
    /// Serve <c>/v1/...</c> on the admin listener (<c>Metrics:Listen</c>). Defaults to true. With no tokens configured
    /// and an admin listener reachable from other machines, every API call is answered 403 instead (see
    /// <see cref="HttpApiGate"/>): turn this off to not serve the API at all.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Seconds between heartbeat comments on an idle verdict stream, so proxies and clients see it alive. Defaults to 15.
    /// </summary>
    [Range(0.1, 3_600)]
    public double HeartbeatSeconds { get; set; } = 15;
}
