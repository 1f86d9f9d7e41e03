using System.Text.Json.Nodes;
using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Loading;

public sealed class LoadErrorTests
{
    /// <summary>A writable copy of the small GPT-2 folder to break in one way.</summary>
    private static string CopyOfGpt2()
    {
        string dir = TestModels.NewDir("broken");
        foreach (var f in Directory.GetFiles(TestModels.Gpt2))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        return dir;
    }

    private static void EditConfig(string dir, Action<JsonObject> edit)
    {
        string path = Path.Combine(dir, "config.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void Load_UnsupportedArchitecture_NamesIt()
    {
        string dir = CopyOfGpt2();
        EditConfig(dir, c => c["architectures"] = new JsonArray("MistralForCausalLM"));
        var e = Assert.Throws<ModelLoadException>(() => ModelHost.Load(dir));
        Assert.Contains("MistralForCausalLM", e.Message);
        Assert.Contains("GPT2LMHeadModel", e.Message);
    }

    [Fact]
    public void Load_MisshapenTensor_NamesTensorAndShapes()
    {
        string dir = CopyOfGpt2();
        EditConfig(dir, c => c["n_inner"] = 128);
        var e = Assert.Throws<ModelLoadException>(() => ModelHost.Load(dir));
        Assert.Contains("h.0.mlp.c_fc.weight", e.Message);
        Assert.Contains("[64, 256]", e.Message);
        Assert.Contains("[64, 128]", e.Message);
    }

    [Fact]
    public void Load_MissingTensor_NamesIt()
    {
        string dir = CopyOfGpt2();
        EditConfig(dir, c => c["n_layer"] = 3);
        var e = Assert.Throws<ModelLoadException>(() => ModelHost.Load(dir));
        Assert.Contains("'h.2.ln_1.weight' is missing", e.Message);
    }

    [Fact]
    public void Load_TruncatedFile_SaysTruncated()
    {
        string dir = CopyOfGpt2();
        string path = Path.Combine(dir, "model.safetensors");
        using (var fs = new FileStream(path, FileMode.Open))
        {
            fs.SetLength(fs.Length - 1000);
        }
        var e = Assert.Throws<ModelLoadException>(() => ModelHost.Load(dir));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void Load_UnreadableTokenizer_NamesTheFile()
    {
        string dir = CopyOfGpt2();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{ \"model\": { \"type\": ");
        var e = Assert.Throws<ModelLoadException>(() => ModelHost.Load(dir));
        Assert.Contains("tokenizer.json", e.Message);
    }

    [Fact]
    public void Load_WordPieceTokenizer_SaysOnlyBpeIsRead()
    {
        string dir = CopyOfGpt2();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{ \"model\": { \"type\": \"WordPiece\", \"vocab\": {} } }");
        var e = Assert.Throws<ModelLoadException>(() => ModelHost.Load(dir));
        Assert.Contains("WordPiece", e.Message);
    }

    [Fact]
    public void Load_NoWeights_SaysWhatIsExpected()
    {
        string dir = CopyOfGpt2();
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var e = Assert.Throws<ModelLoadException>(() => ModelHost.Load(dir));
        Assert.Contains("model.safetensors.index.json", e.Message);
    }
}
