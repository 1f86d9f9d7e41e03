namespace NeuronGuard.Storage;

/// <summary>A record read back from a store: its metadata and its checksum-verified payload.</summary>
public sealed record StoredRecord(RecordInfo Info, ReadOnlyMemory<byte> Payload);
