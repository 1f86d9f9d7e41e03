using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Embedded;

/// <summary>
/// The embedded store's state.json: a store that had data and lost it says so in one line when it opens (a new, empty
/// directory does not), and a broken one is refused with a one-line message that says what to do.
/// </summary>
public sealed class EmbeddedStateFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private Task<IStore> OpenAsync() =>
        StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Embedded, Embedded = { Directory = _directory.Path } });

    private string StatePath => Path.Combine(_directory.Path, "state.json");

    [Fact]
    public async Task Open_NewDirectory_NoWarning()
    {
        await using var store = await OpenAsync();
        Assert.Null(store.OpenWarning);
    }

    [Fact]
    public async Task Open_StateMissingAfterWrites_WarnsInOneLine()
    {
        await using (var store = await OpenAsync())
        {
            await store.TryUpdatePolicyAsync(0, [PolicyChange.Set("toxicity/global", "{}")], "bob");
            Assert.Null(store.OpenWarning);
        }
        Assert.True(File.Exists(Path.Combine(_directory.Path, ".has-data")), "the first write leaves the data marker");
        File.Delete(StatePath);

        await using var reopened = await OpenAsync();
        string warning = Assert.IsType<string>(reopened.OpenWarning);
        Assert.DoesNotContain('\n', warning);
        Assert.Contains("state.json' is missing", warning, StringComparison.Ordinal);
        Assert.Contains("restore state.json from a backup", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_StateMissingRecordsPresent_WarnsEvenWithoutMarker()
    {
        await using (var store = await OpenAsync())
        {
            await store.PutRecordAsync(RecordKind.Catalog, "m", "c1", 2, TestRecords.Catalog("{\"neurons\":[]}"), "alice");
        }
        File.Delete(StatePath);
        File.Delete(Path.Combine(_directory.Path, ".has-data"));

        await using var reopened = await OpenAsync();
        Assert.Contains("records under models/", reopened.OpenWarning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("{\"format\": 1}")]
    [InlineData("{\"format\": 99999999999}")]
    public async Task Open_BrokenState_RefusedInOneLineThatSaysWhatToDo_AndUnlocked(string content)
    {
        await using (var store = await OpenAsync())
        {
            await store.TryUpdatePolicyAsync(0, [PolicyChange.Set("toxicity/global", "{}")], "bob");
        }
        await File.WriteAllTextAsync(StatePath, content);

        var e = await Assert.ThrowsAsync<StoreDataException>(OpenAsync);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(StatePath, e.Message, StringComparison.Ordinal);
        Assert.Contains("restore it from a backup", e.Message, StringComparison.Ordinal);

        // The refused directory is not left locked: fixing the file and opening again works in the same process.
        File.Delete(StatePath);
        await using var fixedStore = await OpenAsync();
        Assert.NotNull(fixedStore.OpenWarning);
    }
}
