namespace NeuronGuard.Storage.Sync;

/// <summary>
/// Turns a record's payload into the engine's object. Throws on a corrupt payload or an unsupported
/// <see cref="RecordInfo.FormatVersion"/>; the cache then keeps the previous value and reports the message.
/// </summary>
public delegate T RecordDecoder<out T>(RecordInfo info, ReadOnlyMemory<byte> payload);
