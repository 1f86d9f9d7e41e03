using System.Buffers.Binary;
using NeuronGuard.Storage.Internal;
using NeuronGuard.Storage.Redis;
using NeuronGuard.Storage.Sync;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Redis;

/// <summary>A bad blob activated in Redis must never replace the baseline a replica is using.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class RedisCorruptRecordTests(SharedRedis redis) : IAsyncLifetime
{
    private const string Fp = "llama-1";
    private readonly TempDirectory _directory = new();
    private Replica _writer = null!;
    private Replica _reader = null!;

    public async Task InitializeAsync()
    {
        var prefix = SharedRedis.NewPrefix();
        _writer = await Replica.StartAsync(new StoreOptions { Kind = StoreKind.Redis, DataDirectory = _directory.Sub("w"), Redis = redis.Server.Options(prefix) });
        _reader = await Replica.StartAsync(new StoreOptions { Kind = StoreKind.Redis, DataDirectory = _directory.Sub("r"), Redis = redis.Server.Options(prefix) });
        await _writer.Store.PutRecordAsync(RecordKind.Baseline, Fp, "good", 1, TestRecords.Baseline(1), "calibrate");
        await _writer.Store.ActivateAsync(RecordKind.Baseline, Fp, "good", "alice");
        await _reader.WaitUntilAsync(r => r.Changes.Contains(StoreChange.Activated(RecordKind.Baseline, Fp, "good")), "the good baseline");
    }

    public async Task DisposeAsync()
    {
        await _reader.DisposeAsync();
        await _writer.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>Writes <paramref name="blob"/> as baseline 'bad' straight into Redis and activates it.</summary>
    private async Task ActivateRawBlobAsync(byte[] blob)
    {
        var raw = (RedisStore)_writer.Store;
        await raw.Connection.Database.StringSetAsync(raw.Keys.Record(RecordKind.Baseline, Fp, "bad"), blob);
        await _writer.Store.ActivateAsync(RecordKind.Baseline, Fp, "bad", "mallory");
    }

    private async Task<RecordLoadFailure> WaitForFailureAsync()
    {
        await _reader.WaitUntilAsync(r => !r.Failures.IsEmpty && r.Sync.Health.State == StoreHealthState.Degraded, "the load failure");
        return Assert.Single(_reader.Failures);
    }

    private void AssertGoodBaselineStillActive(RecordLoadFailure failure)
    {
        Assert.Equal("good", _reader.Sync.GetModel(Fp)!.Baseline!.Info.Version);
        Assert.Equal(TestRecords.Baseline(1), _reader.Sync.GetModel(Fp)!.Baseline!.Value);
        Assert.Equal(("bad", "good"), (failure.Version, failure.KeptVersion));
        Assert.Equal(StoreHealthState.Degraded, _reader.Sync.Health.State);
        Assert.Contains("baseline 'bad' of model 'llama-1' was not loaded", _reader.Sync.Health.Reason);
        Assert.Contains("keeping 'good'", _reader.Sync.Health.Reason);
    }

    [Fact]
    public async Task ActivatedBlob_FlippedByte_ReportsChecksumAndKeepsPrevious()
    {
        var blob = RecordEnvelope.Encode(RecordKind.Baseline, Fp, "bad", 1, DateTimeOffset.UtcNow, "x", TestRecords.Baseline(2));
        blob[^1] ^= 0xFF;

        await ActivateRawBlobAsync(blob);
        var failure = await WaitForFailureAsync();

        Assert.Contains("SHA-256 does not match", failure.Message);
        AssertGoodBaselineStillActive(failure);
    }

    [Fact]
    public async Task ActivatedBlob_NotAnEnvelope_ReportsCorruptAndKeepsPrevious()
    {
        await ActivateRawBlobAsync("this is not a baseline"u8.ToArray());
        var failure = await WaitForFailureAsync();

        Assert.Contains("is corrupt", failure.Message);
        AssertGoodBaselineStillActive(failure);
    }

    [Fact]
    public async Task ActivatedBlob_UnsupportedFormatVersion_ReportsDecoderErrorAndKeepsPrevious()
    {
        await ActivateRawBlobAsync(RecordEnvelope.Encode(RecordKind.Baseline, Fp, "bad", 99, DateTimeOffset.UtcNow, "x", TestRecords.Baseline(2)));
        var failure = await WaitForFailureAsync();

        Assert.Contains("unsupported baseline format 99", failure.Message);
        AssertGoodBaselineStillActive(failure);
    }

    [Fact]
    public async Task ActivatedBlob_NewerEnvelopeVersion_ReportsUpgradeAndKeepsPrevious()
    {
        var blob = RecordEnvelope.Encode(RecordKind.Baseline, Fp, "bad", 1, DateTimeOffset.UtcNow, "x", TestRecords.Baseline(2));
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(4), 2);

        await ActivateRawBlobAsync(blob);
        var failure = await WaitForFailureAsync();

        Assert.Contains("envelope v2; this build reads v1", failure.Message);
        AssertGoodBaselineStillActive(failure);
    }

    [Fact]
    public async Task AfterFailure_GoodVersionActivated_LoadsItAndReturnsToServing()
    {
        await ActivateRawBlobAsync("garbage"u8.ToArray());
        await WaitForFailureAsync();

        await _writer.Store.PutRecordAsync(RecordKind.Baseline, Fp, "fixed", 1, TestRecords.Baseline(3), "calibrate");
        await _writer.Store.ActivateAsync(RecordKind.Baseline, Fp, "fixed", "alice");
        await _reader.WaitUntilAsync(r => r.Changes.Contains(StoreChange.Activated(RecordKind.Baseline, Fp, "fixed")), "the fixed baseline");

        Assert.Equal(StoreHealthState.Serving, _reader.Sync.Health.State);
        Assert.Empty(_reader.Sync.LoadFailures);
    }
}
