using System.ComponentModel.DataAnnotations;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// The in-memory history of recent requests that Control.GetRequest (<c>GET /v1/requests/{id}</c>) answers from (config
/// section <c>History</c>). Its memory is bounded by MaxRequests × MaxStepsPerRequest × detectors × 9 bytes (2,000 ×
/// 512 × 4 detectors: about 37 MB at worst; a few hundred KB for short requests).
/// </summary>
public sealed class HistoryOptions
{
    /// <summary>Requests kept, newest first; the oldest leaves when a new one starts. 0 turns the history off. Defaults to 2,000.</summary>
    [Range(0, 1_000_000)]
    public int MaxRequests { get; set; } = 2000;

    /// <summary>Verdicts (steps) kept per request; later ones are counted in steps_dropped. Defaults to 512.</summary>
    [Range(1, 1_000_000)]
    public int MaxStepsPerRequest { get; set; } = 512;
}
