using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NeuronGuard.Inference.Loading;
using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Loading;

public sealed class FingerprintTests
{
    /// <summary>Pins recipe 2 (weights) and recipe 1 (shapes, the legacy alias): a change orphans stored catalogs.</summary>
    [Fact]
    public void Fingerprint_PlantedFixture_IsPinned()
    {
        using var host = ModelHost.Load(TestModels.Planted);
        Assert.Equal(PinnedPlanted, host.Info.Fingerprint);
        Assert.Equal("900e2f645a92e039f1c4b9529a2246a9d836212953d7a92a179e1e87278d3450", host.Info.LegacyFingerprint);
        Assert.Equal(LegacyFromRecipe(TestModels.Planted, "GPT2LMHeadModel", layers: 4, hidden: 128, neurons: 512, heads: 4, vocab: host.Info.VocabSize, positions: 256), host.Info.LegacyFingerprint);
    }

    /// <summary>The value of <see cref="Fingerprint_PlantedFixture_IsPinned"/>; the Python test pins the same.</summary>
    public const string PinnedPlanted = "0a425c23f1d105a2be6fb6a36d6ab44ef0ba1b40aef04284833c28f027d80d45";

    [Fact]
    public void Fingerprint_OneByteOfOneWeightFlipped_Changes()
    {
        string copy = CopyOf(TestModels.Planted, "flipped");
        FlipOneWeightByte(Path.Combine(copy, "model.safetensors"), "h.2.mlp.c_fc.weight");
        using var original = ModelHost.Load(TestModels.Planted);
        using var flipped = ModelHost.Load(copy);
        Assert.NotEqual(original.Info.Fingerprint, flipped.Info.Fingerprint);
        Assert.Equal(original.Info.LegacyFingerprint, flipped.Info.LegacyFingerprint); // why recipe 1 was not enough
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

    /// <summary>clients/python/neuronguard/fingerprint.py computes the same recipe 2 and recipe 1, flipped byte included.</summary>
    [Fact]
    public void Fingerprint_Python_AgreesWithHost()
    {
        string copy = CopyOf(TestModels.Planted, "flipped-py");
        FlipOneWeightByte(Path.Combine(copy, "model.safetensors"), "h.0.attn.c_attn.bias");
        string llama16 = TestModels.NewDir("fp16-py");
        FixtureMaker.WriteRandom(llama16, TestModels.LlamaShape with { DType = FixtureDType.BF16 }, seed: 3);
        string script = "import sys; sys.path.insert(0, sys.argv[1]); from neuronguard import fingerprint as f\n"
            + "for d in sys.argv[2:]: print(f.from_folder(d), f.legacy_from_folder(d))\n";
        string output = TorchReference.Run("-c", script, Path.Combine(RepoRoot(), "clients", "python"), TestModels.Planted, copy, llama16);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        string[] dirs = [TestModels.Planted, copy, llama16];
        for (int i = 0; i < dirs.Length; i++)
        {
            using var host = ModelHost.Load(dirs[i]);
            Assert.Equal($"{host.Info.Fingerprint} {host.Info.LegacyFingerprint}", lines[i]);
        }
        Assert.NotEqual(lines[0].Split(' ')[0], lines[1].Split(' ')[0]);
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

    internal static string CopyOf(string dir, string name)
    {
        string copy = TestModels.NewDir(name);
        foreach (var f in Directory.GetFiles(dir))
        {
            File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        }
        return copy;
    }

    /// <summary>Flips the lowest bit of the first byte of <paramref name="tensor"/>'s data, header untouched.</summary>
    internal static void FlipOneWeightByte(string file, string tensor)
    {
        var bytes = File.ReadAllBytes(file);
        long n = BitConverter.ToInt64(bytes, 0);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        long begin = doc.RootElement.GetProperty(tensor).GetProperty("data_offsets")[0].GetInt64();
        bytes[8 + n + begin] ^= 1;
        File.WriteAllBytes(file, bytes);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("NeuronGuard.sln not found above the test binaries.");
    }

    /// <summary>Recipe 1 of the docs, recomputed from the safetensors header alone.</summary>
    private static string LegacyFromRecipe(string dir, string arch, int layers, int hidden, int neurons, int heads, int vocab, int positions)
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
