using System.Security.Cryptography;
using System.Text.Json;
using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Loading;

/// <summary>
/// Every safetensors file the project writes or commits carries <c>{"__metadata__": {"format": "pt"}}</c>, without
/// which transformers' from_pretrained refuses it (issue 25 item 7). The transformers load itself is a Python test
/// (clients/python/tests/test_trained_model_files.py) that skips with its reason when transformers is missing.
/// </summary>
public sealed class SafeTensorsMetadataTests
{
    [Fact]
    public void WrittenFixtures_CarryFormatPt()
    {
        Assert.Equal("pt", Format(Path.Combine(TestModels.Planted, "model.safetensors")));
        Assert.Equal("pt", Format(Path.Combine(TestModels.Gpt2, "model.safetensors")));
    }

    /// <summary>The committed trained model: metadata added by rewriting the header only; the tensor bytes are the trained ones.</summary>
    [Fact]
    public void CommittedTrainedModel_CarriesFormatPt_WithItsTrainedBytes()
    {
        string file = Path.Combine(FingerprintTests.RepoRoot(), "tests", "models", "trained-gpt2", "model.safetensors");
        Assert.Equal("pt", Format(file));
        var bytes = File.ReadAllBytes(file);
        long n = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, (8 + n) % 8);
        Assert.Equal("9daab7b64cb3655a3e25ba9c77b1a434185029382a5c1d4c923a9c11abe73a80",
            Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan((int)(8 + n)))));
        using var host = ModelHost.Load(Path.GetDirectoryName(file)!);
        Assert.Equal("GPT2LMHeadModel", host.Info.Architecture);
    }

    private static string? Format(string file)
    {
        var bytes = File.ReadAllBytes(file);
        long n = BitConverter.ToInt64(bytes, 0);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        return doc.RootElement.GetProperty("__metadata__").GetProperty("format").GetString();
    }
}
