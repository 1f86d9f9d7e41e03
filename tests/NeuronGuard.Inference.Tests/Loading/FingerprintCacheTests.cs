using System.Text.Json.Nodes;
using NeuronGuard.Inference.Loading;
using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Loading;

/// <summary>The per-tensor hash cache: read back by size and modification time, ignored once either changes.</summary>
public sealed class FingerprintCacheTests
{
    [Fact]
    public void Cache_SameSizeAndTime_IsUsed_AndATouchedFile_IsRehashed()
    {
        string dir = FingerprintTests.CopyOf(TestModels.Planted, "cached");
        string file = Path.Combine(dir, "model.safetensors");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-5)); // outside the racy window
        string cacheDir = TestModels.NewDir("fp-cache");
        string truth = Compute(dir, new FingerprintCache(cacheDir, diskMinBytes: 0));

        // The entry is on disk; forge one tensor's hash in it, and a fresh cache (a restart) must use the forged value.
        string entry = new FingerprintCache(cacheDir, 0).FileFor(file)!;
        Assert.True(File.Exists(entry), "no cache entry was written");
        var doc = JsonNode.Parse(File.ReadAllText(entry))!;
        doc["tensors"]!["wte.weight"] = new string('0', 32);
        File.WriteAllText(entry, doc.ToJsonString());
        Assert.NotEqual(truth, Compute(dir, new FingerprintCache(cacheDir, 0)));

        // Another modification time: the entry no longer applies and the file is hashed again.
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-4));
        Assert.Equal(truth, Compute(dir, new FingerprintCache(cacheDir, 0)));
    }

    [Fact]
    public void Cache_FileModifiedJustNow_IsNotCached()
    {
        string dir = FingerprintTests.CopyOf(TestModels.Planted, "racy");
        string file = Path.Combine(dir, "model.safetensors");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow);
        var cache = new FingerprintCache(TestModels.NewDir("fp-cache-racy"), diskMinBytes: 0);
        Compute(dir, cache);
        Assert.Null(cache.Get(file));
        Assert.False(File.Exists(cache.FileFor(file)));
    }

    private static string Compute(string dir, FingerprintCache cache)
    {
        var config = ConfigReader.Read(dir);
        using var store = TensorStore.Open(dir);
        return Fingerprint.Compute(config, store.Entries, cache);
    }
}
