using System.Diagnostics;
using System.Numerics.Tensors;
using NeuronGuard.Inference;
using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Models;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// The managed GEMM as prefill runs it: x (m, k) · W (k, n) + b with W in GPT-2's c_fc layout, packed once into
/// panels as the model loader packs it. Buffers, backend and packed weight live as long as the rig, so the
/// warm-up and every sample run the same tier-1 code on the same memory.
/// </summary>
internal sealed unsafe class GemmRig : IDisposable
{
    private readonly PinnedBuffer _x, _w, _bias, _y, _packed;
    private readonly CpuBackend _backend;
    private readonly Weight _weight;
    private bool _warm;

    public GemmRig(int threads, int m, int k, int n)
    {
        (M, K, N) = (m, k, n);
        _x = Fill(new PinnedBuffer((long)m * k));
        _w = Fill(new PinnedBuffer((long)k * n));
        _bias = Fill(new PinnedBuffer(n));
        _y = new PinnedBuffer((long)m * n);
        _packed = new PinnedBuffer(PackedPanels.Floats(k, n));
        var plain = new Weight(_w.Ptr, k, n);
        PackedPanels.Pack(plain, WeightLayout.InOut, _packed.Ptr);
        _weight = plain.WithPacked(_packed.Ptr);
        _backend = new CpuBackend(threads);
    }

    public int M { get; }

    public int K { get; }

    public int N { get; }

    /// <summary>GFLOP/s over one time budget (the first call warms for <see cref="Timing.WarmSeconds"/>).</summary>
    public double Sample()
    {
        if (!_warm)
        {
            Timing.Warm(Call);
            _warm = true;
        }
        return Timing.Rate(Call, 2.0 * M * K * N / 1e9);
    }

    private void Call() => _backend.MatMul(_x.Ptr, M, _weight, WeightLayout.InOut, new Weight(_bias.Ptr, 1, N), _y.Ptr);

    private static PinnedBuffer Fill(PinnedBuffer b)
    {
        var r = new Random(1);
        for (int i = 0; i < b.Length; i++)
        {
            b.Span[i] = (float)(r.NextDouble() - 0.5);
        }
        return b;
    }

    public void Dispose() => _backend.Dispose();
}

/// <summary>One loaded model and session: prefill of n tokens (last-token logits) and greedy decode, warmed then budgeted.</summary>
internal sealed class ModelRig : IDisposable
{
    private readonly ModelHost _host;
    private readonly InferenceSession _s;
    private readonly int[] _ids;
    private readonly HashSet<string> _warm = [];
    private readonly NeuronCapture _capture;
    private double _sink;

    public ModelRig(string dir, int threads, int maxTokens)
    {
        _host = ModelHost.Load(dir, new ModelHostOptions { Threads = threads, MaxContextTokens = maxTokens + 1 });
        _s = _host.CreateSession();
        _ids = [.. Enumerable.Range(0, maxTokens).Select(i => (i * 37 + 11) % 256)];
        // 1% of all MLP neurons, spread over layers, captured every step.
        var rng = new Random(1);
        int total = _host.Info.Layers * _host.Info.MlpNeurons;
        var slots = Enumerable.Range(0, total).OrderBy(_ => rng.Next()).Take(total / 100)
            .Select(i => new NeuronId(i / _host.Info.MlpNeurons, i % _host.Info.MlpNeurons)).ToList();
        Slots = slots.Count;
        _capture = new NeuronCapture(new NeuronSelection(slots), (_, _, v) => _sink += v[0]);
    }

    public int Slots { get; }

    public double Prefill(int n) => Sample($"prefill {n}", () =>
    {
        _s.Reset();
        _s.Prefill(_ids.AsSpan(0, n));
    }, n);

    /// <summary>tok/s of <paramref name="steps"/> greedy steps after a <paramref name="prompt"/>-token prefill; only the steps are timed, as on the torch side.</summary>
    public double Decode(int prompt, int steps, bool capture)
    {
        using var reg = capture ? _s.Register(_capture) : null;
        double Run()
        {
            _s.Reset();
            int tok = TensorPrimitives.IndexOfMax(_s.Prefill(_ids.AsSpan(0, prompt)));
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++)
            {
                tok = TensorPrimitives.IndexOfMax(_s.Step(tok));
            }
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        if (_warm.Add(capture ? "decode+capture" : "decode"))
        {
            Timing.Warm(() => Run());
        }
        return Timing.Rate(Run, steps);
    }

    private double Sample(string key, Action op, double work)
    {
        if (_warm.Add(key))
        {
            Timing.Warm(op);
        }
        return Timing.Rate(op, work);
    }

    public void Dispose()
    {
        GC.KeepAlive(_sink);
        _s.Dispose();
        _host.Dispose();
    }
}
