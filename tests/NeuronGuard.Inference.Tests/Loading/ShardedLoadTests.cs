using NeuronGuard.Inference.Tests.Infrastructure;
using NeuronGuard.Inference.Tests.Models;

namespace NeuronGuard.Inference.Tests.Loading;

public sealed class ShardedLoadTests
{
    [Fact]
    public void Load_ThreeShardsWithIndex_SameLogitsAsSingleFile()
    {
        string dir = TestModels.NewDir("sharded");
        FixtureMaker.WriteRandom(dir, TestModels.LlamaShape with { Shards = 3 }, seed: 11);
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors.index.json")));
        Assert.Equal(3, Directory.GetFiles(dir, "model-*-of-00003.safetensors").Length);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7];
        float[] Logits(string d)
        {
            using var host = ModelHost.Load(d);
            using var s = host.CreateSession();
            return s.PrefillAllLogits(tokens).ToArray();
        }
        Assert.Equal(0f, TorchParityTests.MaxAbsDiff(Logits(dir), Logits(TestModels.Llama)));
    }
}
