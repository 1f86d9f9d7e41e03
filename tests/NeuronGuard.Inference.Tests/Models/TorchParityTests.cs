using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Models;

/// <summary>
/// Logits of the managed host against an independent PyTorch forward pass on the same safetensors
/// (llm.c test_gpt2.c style: reference data from a checked-in script, max |Δ| printed, tolerance 1e-4 in F32).
/// </summary>
public sealed class TorchParityTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    private static readonly int[][] Sequences =
    [
        [42],
        [5, 17, 250, 3, 99],
        [.. Enumerable.Range(0, 23).Select(i => (i * 37 + 11) % 300)],
        [.. Enumerable.Range(0, 48).Select(i => (i * 101 + 7) % 300)],
    ];

    public static TheoryData<string> Architectures => new() { "gpt2", "llama" };

    private static string Dir(string arch) => arch == "gpt2" ? TestModels.Gpt2 : TestModels.Llama;

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Forward_RandomModel_MatchesTorchWithin1e4(string arch) => Compare(Dir(arch), gains: null, threads: 2);

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Forward_AttenuatingHooks_MatchesTorchWithin1e4(string arch)
    {
        var gains = new NeuronGains(
        [
            (new NeuronId(0, 3), 0f), (new NeuronId(0, 77), 0.3f), (new NeuronId(1, 5), 0.3f), (new NeuronId(1, 150), 0f), (new NeuronId(1, 151), 2f),
        ]);
        Compare(Dir(arch), gains, threads: 1);
    }

    [Theory]
    [InlineData(FixtureDType.F16)]
    [InlineData(FixtureDType.BF16)]
    public void Forward_HalfPrecisionCheckpoint_MatchesTorchWithin1e4(FixtureDType dtype)
    {
        string dir = TestModels.NewDir("half");
        FixtureMaker.WriteRandom(dir, TestModels.LlamaShape with { DType = dtype }, seed: 3);
        Compare(dir, gains: null, threads: 2);
    }

    private void Compare(string dir, NeuronGains? gains, int threads)
    {
        string spec = gains is null ? "" : string.Join(",", gains.Gains.Select(g => $"{g.Key.Layer}:{g.Key.Neuron}:{g.Value}"));
        var expected = TorchReference.Logits(dir, Sequences, spec);
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = threads });
        using var session = host.CreateSession();
        IDisposable? registration = gains is null ? null : session.Register(new NeuronGainsHook(gains));
        float worst = 0;
        for (int s = 0; s < Sequences.Length; s++)
        {
            session.Reset();
            var actual = session.PrefillAllLogits(Sequences[s]);
            Assert.Equal(expected[s].Length, actual.Length);
            float diff = MaxAbsDiff(actual, expected[s]);
            output.WriteLine($"{host.Info.Architecture} T={Sequences[s].Length}: max |logit diff| = {diff:E2} (max |logit| {MaxAbs(expected[s]):F3})");
            worst = Math.Max(worst, diff);
        }
        registration?.Dispose();
        Assert.True(worst <= Tolerance, $"max |logit diff| {worst:E2} exceeds {Tolerance:E0}");
    }

    internal static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a[i] - b[i]));
        }
        return m;
    }

    private static float MaxAbs(ReadOnlySpan<float> a)
    {
        float m = 0;
        foreach (var v in a)
        {
            m = Math.Max(m, Math.Abs(v));
        }
        return m;
    }
}
