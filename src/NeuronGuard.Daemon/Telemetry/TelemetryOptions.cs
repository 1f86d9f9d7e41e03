using System.ComponentModel.DataAnnotations;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>Limits of one model-server stream (config section <c>Telemetry</c>). They bound the daemon's memory per stream.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Largest steps × slots in one Activations message. Defaults to 1,000,000 (4 MB of floats).</summary>
    [Range(1, int.MaxValue)]
    public int MaxValuesPerMessage { get; set; } = 1_000_000;

    /// <summary>Requests one stream may have open at once. Defaults to 10,000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxRequestsPerStream { get; set; } = 10_000;

    /// <summary>Messages queued for a stream above which verdicts are dropped (counted). Defaults to 1,024.</summary>
    [Range(1, int.MaxValue)]
    public int VerdictQueueLimit { get; set; } = 1024;

    /// <summary>
    /// Messages queued for a stream above which the stream is ended with RESOURCE_EXHAUSTED: the model server stopped
    /// reading, and directives (attenuate, abort, policy) must not be dropped silently. Defaults to 8,192.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int StreamQueueLimit { get; set; } = 8192;

    /// <summary>Flagged requests kept for Control.ListFlagged. Defaults to 1,000.</summary>
    [Range(1, int.MaxValue)]
    public int FlagLogSize { get; set; } = 1000;

    /// <summary>Verdicts queued per Control.WatchVerdicts caller before they are dropped (counted). Defaults to 256.</summary>
    [Range(1, int.MaxValue)]
    public int WatchQueueSize { get; set; } = 256;

    /// <summary>Top contributing neurons per flagged detector in a verdict. Defaults to 5.</summary>
    [Range(0, 1_000)]
    public int TopNeuronsPerVerdict { get; set; } = 5;
}
