namespace NeuronGuard.Inference.Tests.Infrastructure;

/// <summary>
/// Model folders written once per test run (the fixture maker is itself under test) and shared read-only
/// by the tests; each lives under a fresh temp directory removed at process exit.
/// </summary>
internal static class TestModels
{
    private static readonly string Root = CreateRoot();
    /// <summary>Small GPT-2: 2 layers, d=64, 4 heads, 256 neurons, vocab 300. Weights std 0.1 so every block matters.</summary>
    public static readonly RandomModelShape Gpt2Shape = new()
    {
        Architecture = FixtureArchitecture.Gpt2, Layers = 2, Hidden = 64, Heads = 4, Intermediate = 256, Vocab = 300, MaxPositions = 64, InitStd = 0.1f,
    };

    /// <summary>Small Llama with grouped-query attention (4 heads, 2 KV heads) and an untied head.</summary>
    public static readonly RandomModelShape LlamaShape = new()
    {
        Architecture = FixtureArchitecture.Llama, Layers = 2, Hidden = 64, Heads = 4, KvHeads = 2, Intermediate = 192, Vocab = 300,
        MaxPositions = 64, TiedHead = false, InitStd = 0.1f, RopeTheta = 10000f,
    };

    private static readonly Lazy<string> PlantedDir = new(() => Make("planted", d => FixtureMaker.WritePlanted(d)));
    private static readonly Lazy<string> Gpt2Dir = new(() => Make("gpt2", d => FixtureMaker.WriteRandom(d, Gpt2Shape, seed: 7)));
    private static readonly Lazy<string> LlamaDir = new(() => Make("llama", d => FixtureMaker.WriteRandom(d, LlamaShape, seed: 11)));

    public static string Planted => PlantedDir.Value;

    public static string Gpt2 => Gpt2Dir.Value;

    public static string Llama => LlamaDir.Value;

    /// <summary>A new folder for a test that writes its own model.</summary>
    public static string NewDir(string name)
    {
        string dir = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Make(string name, Action<string> write)
    {
        string dir = NewDir(name);
        write(dir);
        return dir;
    }

    private static string CreateRoot()
    {
        string root = Path.Combine(Path.GetTempPath(), "ng-inference-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A mapping may still be open on some file; the OS temp cleaner removes it later.
            }
        };
        return root;
    }
}
