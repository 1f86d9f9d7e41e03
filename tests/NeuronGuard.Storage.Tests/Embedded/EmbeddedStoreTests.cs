using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Embedded;

/// <summary>Embedded-only behaviour: persistence across reopen, the directory lock, crash leftovers.</summary>
public sealed class EmbeddedStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private Task<IStore> OpenAsync() =>
        StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Embedded, Embedded = { Directory = _directory.Path } });

    [Fact]
    public async Task Reopen_AfterWrites_KeepsRecordsPointersPolicyAndAudit()
    {
        await using (var store = await OpenAsync())
        {
            await store.PutRecordAsync(RecordKind.Catalog, "m", "c1", 2, TestRecords.Catalog("{\"neurons\":[]}"), "alice");
            await store.ActivateAsync(RecordKind.Catalog, "m", "c1", "alice");
            await store.TryUpdatePolicyAsync(0, [PolicyChange.Set("toxicity/global", "{}")], "bob");
        }

        await using var reopened = await OpenAsync();

        Assert.Equal("c1", (await reopened.GetActiveAsync("m")).CatalogVersion);
        Assert.Equal("{\"neurons\":[]}", TestRecords.DecodeCatalog(null!, (await reopened.GetRecordAsync(RecordKind.Catalog, "m", "c1"))!.Payload));
        Assert.Equal(1, (await reopened.GetPolicyAsync()).Version);
        Assert.Equal(3, (await reopened.ReadAuditAsync(0, 10)).Count);
    }

    [Fact]
    public async Task Open_DirectoryInUse_ThrowsNamingTheLockFile()
    {
        await using var first = await OpenAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(OpenAsync);

        Assert.Contains("is in use by another process", error.Message);
        Assert.Contains(Path.Combine(_directory.Path, ".lock"), error.Message);
    }

    [Fact]
    public async Task Open_TempFileLeftByCrash_DeletesItAndIgnoresIt()
    {
        await using (var store = await OpenAsync())
        {
            await store.TryUpdatePolicyAsync(0, [PolicyChange.Set("a", "1")], "alice");
        }
        var leftover = Path.Combine(_directory.Path, "state.json.tmp-deadbeef");
        await File.WriteAllTextAsync(leftover, "{ half a fi");

        await using var reopened = await OpenAsync();

        Assert.False(File.Exists(leftover));
        Assert.Equal("1", (await reopened.GetPolicyAsync()).Entries["a"]);
    }

    [Fact]
    public async Task GetRecord_FileCorruptedOnDisk_ThrowsStoreDataExceptionNamingTheFile()
    {
        await using var store = await OpenAsync();
        await store.PutRecordAsync(RecordKind.Baseline, "m", "b1", 1, TestRecords.Baseline(1), "alice");
        var path = Path.Combine(_directory.Path, "models", "m", "baseline", "b1.ngr");
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^10] ^= 1;
        await File.WriteAllBytesAsync(path, bytes);

        var error = await Assert.ThrowsAsync<StoreDataException>(() => store.GetRecordAsync(RecordKind.Baseline, "m", "b1"));

        Assert.Contains(path, error.Message);
        Assert.Contains("SHA-256 does not match", error.Message);
    }
}
