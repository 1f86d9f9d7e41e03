using System.ComponentModel.DataAnnotations;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>Settings of the metrics side (config section "Metrics" of the daemon).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>host:port of the HTTP/1.1 <c>/metrics</c> listener. Defaults to 127.0.0.1:9464; null or "" disables it.</summary>
    public string? Listen { get; set; } = "127.0.0.1:9464";

    /// <summary>
    /// Connections the metrics listener holds at once (scrapers and probes need a handful); more are closed at accept,
    /// so a flood of idle connections to this port can neither exhaust file descriptors nor take the gRPC port's share
    /// of the daemon's connection cap. Defaults to 64.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConnections { get; set; } = 64;

    /// <summary>Distinct tenant label values kept; later tenants are counted under tenant="other". Defaults to 50.</summary>
    [Range(1, 10_000)]
    public int MaxTenants { get; set; } = 50;

    /// <summary>Neurons per set exported in the neuron view (activation and baseline means). Defaults to 8.</summary>
    [Range(0, 1_000)]
    public int TopNeurons { get; set; } = 8;
}
