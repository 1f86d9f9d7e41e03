using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Embedded;

/// <summary>
/// The embedded store's journal: writes append to journal.log, a background checkpoint folds them into state.json,
/// and a reopen replays what the checkpoint lacks, dropping a torn last frame (never acknowledged).
/// </summary>
public sealed class EmbeddedJournalTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string JournalPath => Path.Combine(_directory.Path, "journal.log");

    private Task<IStore> OpenAsync(int checkpointAfter = 1_000) =>
        StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Embedded, Embedded = { Directory = _directory.Path, CheckpointAfterWrites = checkpointAfter } });

    [Fact]
    public async Task Writes_PastSeveralCheckpoints_ReopenKeepsPolicyPointersAndAudit()
    {
        await using (var store = await OpenAsync(checkpointAfter: 5))
        {
            for (var i = 0; i < 23; i++)
            {
                await store.TryUpdatePolicyAsync(i, [PolicyChange.Set($"k{i}", $"{{\"i\":{i}}}")], "alice");
            }
            await store.PutRecordAsync(RecordKind.Catalog, "m", "c1", 1, TestRecords.Catalog("one"), "alice");
            await store.ActivateAsync(RecordKind.Catalog, "m", "c1", "alice");
            await store.TryUpdatePolicyAsync(23, [PolicyChange.Remove("k0")], "bob");
        }
        Assert.Contains("\"journalSeq\"", await File.ReadAllTextAsync(Path.Combine(_directory.Path, "state.json")));

        await using var reopened = await OpenAsync(checkpointAfter: 5);
        var policy = await reopened.GetPolicyAsync();
        Assert.Equal(24, policy.Version);
        Assert.Equal(22, policy.Entries.Count);
        Assert.False(policy.Entries.ContainsKey("k0"));
        Assert.Equal("{\"i\":22}", policy.Entries["k22"]);
        Assert.Equal("c1", (await reopened.GetActiveAsync("m")).CatalogVersion);
        var audit = await reopened.ReadAuditAsync(0, 100);
        Assert.Equal(26, audit.Count);
        Assert.Equal("bob", audit[0].Actor);
    }

    [Theory]
    [InlineData(3)] // a header cut short
    [InlineData(20)] // a length that runs past the end
    public async Task Reopen_TornLastFrame_DropsOnlyThatFrameAndWritesGoOn(int garbage)
    {
        await using (var store = await OpenAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await store.TryUpdatePolicyAsync(null, [PolicyChange.Set($"k{i}", "{}")], "alice");
            }
        }
        var torn = new byte[garbage];
        torn[0] = 200; // length 200 with too few bytes after it
        await using (var f = new FileStream(JournalPath, FileMode.Append))
        {
            f.Write(torn);
        }

        await using (var reopened = await OpenAsync())
        {
            Assert.Equal(3, (await reopened.GetPolicyAsync()).Version);
            Assert.Equal(4, (await reopened.TryUpdatePolicyAsync(3, [PolicyChange.Set("k3", "{}")], "alice")).Version);
        }
        await using var again = await OpenAsync();
        Assert.Equal(4, (await again.GetPolicyAsync()).Entries.Count);
    }

    [Fact]
    public async Task Reopen_FrameWithBadChecksum_StopsThere()
    {
        await using (var store = await OpenAsync())
        {
            await store.TryUpdatePolicyAsync(null, [PolicyChange.Set("a", "{}")], "alice");
            await store.TryUpdatePolicyAsync(null, [PolicyChange.Set("b", "{}")], "alice");
        }
        var bytes = await File.ReadAllBytesAsync(JournalPath);
        bytes[^2] ^= 0xFF; // inside the last frame's payload
        await File.WriteAllBytesAsync(JournalPath, bytes);

        await using var reopened = await OpenAsync();
        var policy = await reopened.GetPolicyAsync();
        Assert.Equal(1, policy.Version);
        Assert.Equal(["a"], policy.Entries.Keys);
    }

    [Fact]
    public async Task Open_FormatOneStateFile_ReadsItAndJournalsOnTop()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory.Path, "state.json"),
            """{"format":1,"policyVersion":7,"policy":{"old/global":"{}"},"active":{},"audit":[]}""");
        await File.WriteAllTextAsync(Path.Combine(_directory.Path, ".has-data"), "x");
        await using (var store = await OpenAsync())
        {
            Assert.Equal(7, (await store.GetPolicyAsync()).Version);
            await store.TryUpdatePolicyAsync(7, [PolicyChange.Set("new/global", "{}")], "alice");
        }
        await using var reopened = await OpenAsync();
        var policy = await reopened.GetPolicyAsync();
        Assert.Equal(8, policy.Version);
        Assert.Equal(["new/global", "old/global"], policy.Entries.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Open_StateMissingJournalPresent_WarnsAndMovesTheJournalAside()
    {
        await using (var store = await OpenAsync(checkpointAfter: 2))
        {
            for (var i = 0; i < 5; i++) await store.TryUpdatePolicyAsync(null, [PolicyChange.Set($"k{i}", "{}")], "alice");
        }
        File.Delete(Path.Combine(_directory.Path, "state.json"));

        await using var reopened = await OpenAsync();
        Assert.Contains("the journal without it was moved to", reopened.OpenWarning);
        Assert.Equal(0, (await reopened.GetPolicyAsync()).Version);
        Assert.Single(Directory.EnumerateFiles(_directory.Path, "journal.log.orphaned-*"));
    }
}
