namespace NeuronGuard.Engine.Detectors;

/// <summary>The detectors of DESIGN.md; a plan has one coverage detector and one or two per catalogued set.</summary>
public enum DetectorKind
{
    Coverage,
    Toxicity,
    Safety,
    Integrity,
    Backdoor,

    /// <summary>A catalog's sparse probe (<see cref="ProbeDetector"/>).</summary>
    Probe,
    /// <summary>Trigger-agnostic scan of the prompt's tokens at prefill (<see cref="TriggerScanDetector"/>).</summary>
    TriggerScan,
}
