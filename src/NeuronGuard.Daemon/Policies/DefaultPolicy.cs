using NeuronGuard.Api.V1;
using NeuronGuard.Engine.Catalogs;
using NeuronSetKind = NeuronGuard.Engine.Catalogs.NeuronSetKind;

namespace NeuronGuard.Daemon.Policies;

/// <summary>
/// What applies to a catalog set that has no policy entry for the global scope: abort for backdoor sets (issue 27: a
/// learned backdoor is not stopped by attenuating a few neurons, and a request that carries a trigger has no benign
/// continuation worth keeping), off for every other kind. The defaults are shown in GetPolicy and the Welcome as
/// ordinary global entries whose updated_by is <see cref="Actor"/> (no new wire field, so old clients read them), are
/// never stored, and give way to any explicit entry: <c>neuronguard ctl policy set backdoor --mode off</c> turns one off.
/// </summary>
public static class DefaultPolicy
{
    /// <summary>The updated_by of a default entry: how GetPolicy and ctl tell it from a stored one.</summary>
    public const string Actor = "neuronguard (default)";

    /// <summary>The default entry for a set of <paramref name="kind"/>, or null when that kind defaults to off.</summary>
    public static PolicyEntry? For(string set, NeuronSetKind kind) => kind == NeuronSetKind.Backdoor
        ? new PolicyEntry
        {
            Set = set,
            Mode = MitigationMode.Abort,
            UpdatedBy = Actor,
            Reason = "default for backdoor sets: abort at the prefill flag",
        }
        : null;

    /// <summary>True for an entry made by <see cref="For"/> rather than stored by an operator.</summary>
    public static bool IsDefault(Mitigation mitigation) => mitigation.UpdatedBy == Actor && mitigation.UpdatedAtUnixMs == 0;
}
