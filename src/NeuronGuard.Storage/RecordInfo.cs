namespace NeuronGuard.Storage;

/// <summary>
/// What the store knows about a record without looking inside its payload: the store treats the payload as
/// opaque bytes so it does not depend on the engine's catalog and baseline formats.
/// </summary>
/// <param name="FormatVersion">The payload's own format version, chosen by the writer and checked by the decoder.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the payload, verified on every read.</param>
public sealed record RecordInfo(
    RecordKind Kind,
    string Fingerprint,
    string Version,
    int FormatVersion,
    DateTimeOffset CreatedAt,
    string Actor,
    long Length,
    string Sha256)
{
    /// <summary>"baseline 'v3' of model 'abc'", for messages.</summary>
    public string Describe() => $"{Kind.Name()} '{Version}' of model '{Fingerprint}'";
}
