namespace NeuronGuard.Engine.Catalogs;

/// <summary>
/// What a set is used for. The neurons that recognise a behaviour (AUROC-ranked: good for flagging) are often not the
/// ones that write it (chosen by causal effect: what ablation acts on), so a catalog may keep them apart. A detect
/// set's flag triggers the policy of the attenuate sets of the same kind (docs/telemetry.md "Set roles").
/// JSON: "both" (or absent), "detect", "attenuate".
/// </summary>
public enum NeuronSetRole
{
    /// <summary>Detectors run on it and gains are computed from it: every catalog written before roles existed.</summary>
    Both,

    /// <summary>Detectors only; no gains.</summary>
    Detect,

    /// <summary>Gains only; no detector runs on it (the integrity alarm and coverage skip it too).</summary>
    Attenuate,
}

/// <summary>What a role allows.</summary>
public static class NeuronSetRoles
{
    public static bool Detects(this NeuronSetRole role) => role != NeuronSetRole.Attenuate;

    public static bool Attenuates(this NeuronSetRole role) => role != NeuronSetRole.Detect;
}
