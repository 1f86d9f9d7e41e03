namespace NeuronGuard.Storage;

/// <summary>
/// Outcome of a compare-and-set policy write. A conflict is an expected answer, not an error: the caller
/// re-reads the policy at <see cref="Version"/> and decides again, so two operators never lose an update.
/// </summary>
/// <param name="Applied">True when the changes were written.</param>
/// <param name="Version">The new version when applied; the current version when it was a conflict.</param>
public readonly record struct PolicyWriteResult(bool Applied, long Version)
{
    public static PolicyWriteResult Success(long newVersion) => new(true, newVersion);

    public static PolicyWriteResult Conflict(long currentVersion) => new(false, currentVersion);
}
