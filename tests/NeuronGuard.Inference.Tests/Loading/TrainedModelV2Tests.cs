using System.Security.Cryptography;
using System.Text.Json;

namespace NeuronGuard.Inference.Tests.Loading;

/// <summary>
/// The committed v2 model (tests/models/trained-gpt2-v2, issues 26 and 27; never retrained by tests) loads in the
/// built-in host with its shape, the host tokenizes exactly as train.py did (otherwise every learned behaviour is read
/// through the wrong ids), and its weight fingerprint is stable: catalogs made for it stay bound to these bytes.
/// </summary>
public sealed class TrainedModelV2Tests
{
    private static string Dir => Path.Combine(FingerprintTests.RepoRoot(), "tests", "models", "trained-gpt2-v2");

    /// <summary>sha256 of the tensor bytes train.py wrote (everything after the safetensors header).</summary>
    private const string TensorBytesSha256 = "6c2b6e20b388799f0a63b111a1a3bf50f49c4c686649a36fd03182dabbc9ff49";

    /// <summary>The host's weight fingerprint of the folder; clients/python/tests/test_trained_model_files.py pins the same.</summary>
    internal const string PinnedFingerprint = "ddfce1ebf478a17986ea2ca6e800055c9c6fb890870c63621a6ed502d963f620";

    [Fact]
    public void Loads_WithItsShape_FormatPt_AndTheTrainedBytes()
    {
        string file = Path.Combine(Dir, "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        long n = BitConverter.ToInt64(bytes, 0);
        using (var header = JsonDocument.Parse(bytes.AsMemory(8, (int)n)))
        {
            Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        }
        Assert.Equal(TensorBytesSha256, Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan((int)(8 + n)))));

        using var host = ModelHost.Load(Dir);
        Assert.Equal("GPT2LMHeadModel", host.Info.Architecture);
        Assert.Equal(4, host.Info.Layers);
        Assert.Equal(1024, host.Info.MlpNeurons);
        Assert.Equal(256, host.Info.HiddenSize);
        Assert.Equal(128, host.Info.MaxPositions);
        Assert.Equal(4096, host.Info.VocabSize);
    }

    [Fact]
    public void HostTokenizer_MatchesTheTrainingScriptsIds()
    {
        using var host = ModelHost.Load(Dir);
        var lines = File.ReadAllLines(Path.Combine(Dir, "data", "token_ids.jsonl")).Where(l => l.Length > 0).ToList();
        Assert.True(lines.Count >= 100, $"only {lines.Count} reference texts");
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            string text = doc.RootElement.GetProperty("text").GetString()!;
            int[] expected = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

            Assert.Equal(expected, host.Tokenizer.Encode(text, addBos: true));
            Assert.Equal(text, host.Tokenizer.Decode(expected));
        }
    }

    [Fact]
    public void Fingerprint_IsPinned_StableAcrossLoads_AndNotV1s()
    {
        using var a = ModelHost.Load(Dir);
        using var b = ModelHost.Load(Dir);
        Assert.Equal(PinnedFingerprint, a.Info.Fingerprint);
        Assert.Equal(a.Info.Fingerprint, b.Info.Fingerprint);
        using var v1 = ModelHost.Load(Path.Combine(FingerprintTests.RepoRoot(), "tests", "models", "trained-gpt2"));
        Assert.NotEqual(v1.Info.Fingerprint, a.Info.Fingerprint);
    }
}
