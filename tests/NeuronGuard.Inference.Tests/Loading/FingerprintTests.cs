using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Loading;

public sealed class FingerprintTests
{
    /// <summary>Pins the recipe documented on <see cref="ModelInfo.Fingerprint"/>: a change orphans stored catalogs.</summary>
    [Fact]
    public void Fingerprint_PlantedFixture_IsPinned()
    {
        using var host = ModelHost.Load(TestModels.Planted);
        Assert.Equal("900e2f645a92e039f1c4b9529a2246a9d836212953d7a92a179e1e87278d3450", host.Info.Fingerprint);
        Assert.Equal(FromRecipe(TestModels.Planted, "GPT2LMHeadModel", layers: 4, hidden: 128, neurons: 512, heads: 4, vocab: host.Info.VocabSize, positions: 256), host.Info.Fingerprint);
    }

    [Fact]
    public void Fingerprint_DifferentDType_Differs()
    {
        string dir = TestModels.NewDir("fp16");
        FixtureMaker.WriteRandom(dir, TestModels.LlamaShape with { DType = FixtureDType.F16 }, seed: 11);
        using var a = ModelHost.Load(dir);
        using var b = ModelHost.Load(TestModels.Llama);
        Assert.NotEqual(a.Info.Fingerprint, b.Info.Fingerprint);
        Assert.Matches("^[0-9a-f]{64}$", a.Info.Fingerprint);
    }

    [Fact]
    public void Info_PlantedFixture_ReportsDimensions()
    {
        using var host = ModelHost.Load(TestModels.Planted);
        Assert.Equal("GPT2LMHeadModel", host.Info.Architecture);
        Assert.Equal(4, host.Info.Layers);
        Assert.Equal(512, host.Info.MlpNeurons);
        Assert.Equal(128, host.Info.HiddenSize);
        Assert.Equal(256, host.Info.MaxPositions);
        Assert.Equal(host.Tokenizer.VocabSize, host.Info.VocabSize);
    }

    /// <summary>The recipe of the doc comment, recomputed from the safetensors header alone.</summary>
    private static string FromRecipe(string dir, string arch, int layers, int hidden, int neurons, int heads, int vocab, int positions)
    {
        var bytes = File.ReadAllBytes(Path.Combine(dir, "model.safetensors"));
        long n = BitConverter.ToInt64(bytes, 0);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        var sb = new StringBuilder($"arch={arch}\nlayers={layers}\nhidden={hidden}\nneurons={neurons}\nheads={heads}\nkv_heads={heads}\nvocab={vocab}\npositions={positions}\n");
        foreach (var t in doc.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__").OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            string shape = string.Join("x", t.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
            sb.Append($"tensor={t.Name} {t.Value.GetProperty("dtype").GetString()} {shape}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
