namespace NeuronGuard.Storage;

/// <summary>
/// The cheap answer to "has anything changed?": the policy version and every model's active pointers,
/// read in one round trip by the periodic version check.
/// </summary>
public sealed record StoreVersionStamp(long PolicyVersion, IReadOnlyDictionary<string, ActivePointers> Active);
