namespace NeuronGuard.Storage;

/// <summary>The active catalog and baseline versions of one model (null when none was activated yet).</summary>
public sealed record ActivePointers(string Fingerprint, string? CatalogVersion, string? BaselineVersion)
{
    public string? Get(RecordKind kind) => kind == RecordKind.Catalog ? CatalogVersion : BaselineVersion;

    public ActivePointers With(RecordKind kind, string version) =>
        kind == RecordKind.Catalog ? this with { CatalogVersion = version } : this with { BaselineVersion = version };
}
