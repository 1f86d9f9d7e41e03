namespace NeuronGuard.Storage.Sync;

/// <summary>A decoded record with the metadata it was read with.</summary>
public sealed record LoadedRecord<T>(RecordInfo Info, T Value);

/// <summary>One model's active catalog and baseline as the cache holds them (either may be missing).</summary>
public sealed record CachedModel<TCatalog, TBaseline>(string Fingerprint, LoadedRecord<TCatalog>? Catalog, LoadedRecord<TBaseline>? Baseline)
{
    public string? Version(RecordKind kind) => kind == RecordKind.Catalog ? Catalog?.Info.Version : Baseline?.Info.Version;
}

/// <summary>A record that could not be read or decoded; the cache kept <paramref name="KeptVersion"/>.</summary>
public sealed record RecordLoadFailure(RecordKind Kind, string Fingerprint, string Version, string? KeptVersion, string Message)
{
    public override string ToString() =>
        $"{Kind.Name()} '{Version}' of model '{Fingerprint}' was not loaded ({Message}); {(KeptVersion is null ? "no previous version to keep" : $"keeping '{KeptVersion}'")}";
}
