namespace NeuronGuard.Engine.Catalogs;

/// <summary>What a catalogued neuron set carries; decides which detector watches it. JSON: lowercase name.</summary>
public enum NeuronSetKind
{
    /// <summary>Harmful-request detectors that drive refusals (NeuroStrike); also watched for integrity.</summary>
    Safety,

    /// <summary>Toxicity experts (AurA), scored by AUROC-weighted activation.</summary>
    Toxicity,

    /// <summary>Trigger neurons whose early step-to-step variation marks a backdoor (NaviDet).</summary>
    Backdoor,

    /// <summary>Any other set: monitored by coverage only.</summary>
    Custom,
}
