namespace NeuronGuard.Storage;

/// <summary>Base of every error the store raises on purpose; anything else is a bug.</summary>
public abstract class StoreException : Exception
{
    protected StoreException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// The backing store cannot be reached. The daemon maps it to gRPC UNAVAILABLE; the message says whether the
/// change was applied (never when the store was already known to be down; unknown when the connection broke
/// mid-call, in which case re-reading the policy version tells, and the compare-and-set makes a retry safe).
/// </summary>
public sealed class StoreUnavailableException : StoreException
{
    public StoreUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A record or version that was asked for does not exist (gRPC NOT_FOUND).</summary>
public sealed class RecordNotFoundException : StoreException
{
    public RecordNotFoundException(string message) : base(message) { }
}

/// <summary>
/// Stored bytes are not a valid record: truncated, checksum mismatch, written under another key, or by a
/// newer envelope version. Readers keep what they had (gRPC DATA_LOSS or FAILED_PRECONDITION).
/// </summary>
public sealed class StoreDataException : StoreException
{
    public StoreDataException(string message, Exception? inner = null) : base(message, inner) { }
}
