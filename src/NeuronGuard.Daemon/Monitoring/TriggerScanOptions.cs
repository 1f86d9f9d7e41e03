using System.ComponentModel.DataAnnotations;
using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// The trigger scan's settings for every plan the daemon builds (config section <c>TriggerScan</c>). Scoring and
/// calibration must agree, so a baseline calibrated with other settings (<c>neuronguard calibrate</c>, the bench) has
/// thresholds on another scale: set these to what it was calibrated with. Defaults are the engine's (Range, m = 16,
/// chosen on v1's discovery split); on tests/models/trained-gpt2-v2 the discovery rule chose Level, m = 4 on all of
/// layer 1 (bench/results/backdoor-unseen.md).
/// </summary>
public sealed class TriggerScanOptions
{
    /// <summary>What is standardized per prompt position: Range, Change or Level. Defaults to Range.</summary>
    [EnumDataType(typeof(TriggerScanSignal))]
    public TriggerScanSignal Signal { get; set; } = TriggerScanSignal.Range;

    /// <summary>A position's score is the mean of its m largest standardized values (m at most the set size). Defaults to 16.</summary>
    [Range(1, 1_000_000)]
    public int TopM { get; set; } = 16;

    /// <summary>The engine's detector options with these scan settings (every other setting at its default).</summary>
    public DetectorOptions ToDetectorOptions() => new() { TriggerScanSignal = Signal, TriggerScanTopM = TopM };
}
