namespace NeuronGuard.Storage;

/// <summary>
/// Result of putting a record. Records are immutable once written, so a retry after a lost acknowledgement
/// answers <see cref="AlreadyExists"/> instead of overwriting what readers may already hold.
/// </summary>
public enum PutOutcome
{
    Created,
    AlreadyExists,
}
