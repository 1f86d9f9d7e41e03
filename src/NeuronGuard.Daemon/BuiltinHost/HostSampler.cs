using System.Numerics.Tensors;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.BuiltinHost;

/// <summary>
/// Token choice for the step-by-step loop: the same algorithm and random draws as the model host's own sampler
/// (greedy, temperature, top-k, top-p, System.Random(seed)), so a seed gives the tokens <c>neuronguard run</c> gives.
/// A copy because that sampler is internal to NeuronGuard.Inference. Buffers are allocated once per request.
/// </summary>
internal sealed class HostSampler
{
    private readonly float[] _probs;
    private readonly float[] _keys;
    private readonly int[] _order;
    private readonly GenerationOptions _o;
    private readonly Random _random;

    public HostSampler(int vocab, GenerationOptions options)
    {
        _o = options;
        _random = new Random(options.Seed);
        bool sampling = options.Temperature > 0f;
        _probs = sampling ? new float[vocab] : [];
        bool sorting = sampling && (options.TopK > 0 || options.TopP < 1f);
        _keys = sorting ? new float[vocab] : [];
        _order = sorting ? new int[vocab] : [];
    }

    public int Next(ReadOnlySpan<float> logits)
    {
        if (_o.Temperature <= 0f)
        {
            return TensorPrimitives.IndexOfMax(logits);
        }
        var p = _probs.AsSpan(0, logits.Length);
        TensorPrimitives.Multiply(logits, 1f / _o.Temperature, p);
        float max = TensorPrimitives.Max(p);
        TensorPrimitives.Subtract(p, max, p);
        TensorPrimitives.Exp(p, p);
        TensorPrimitives.Multiply(p, 1f / TensorPrimitives.Sum(p), p);
        if (_o.TopK <= 0 && _o.TopP >= 1f)
        {
            return Draw(p);
        }
        var keys = _keys.AsSpan(0, p.Length);
        var order = _order.AsSpan(0, p.Length);
        TensorPrimitives.Negate(p, keys);
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        keys.Sort(order);
        int n = p.Length;
        if (_o.TopK > 0)
        {
            n = Math.Min(n, _o.TopK);
        }
        if (_o.TopP < 1f)
        {
            float cumulative = 0;
            for (int i = 0; i < n; i++)
            {
                cumulative += p[order[i]];
                if (cumulative >= _o.TopP)
                {
                    n = i + 1;
                    break;
                }
            }
        }
        float total = 0;
        for (int i = 0; i < n; i++)
        {
            total += p[order[i]];
        }
        float u = (float)_random.NextDouble() * total;
        for (int i = 0; i < n; i++)
        {
            u -= p[order[i]];
            if (u <= 0)
            {
                return order[i];
            }
        }
        return order[n - 1];
    }

    private int Draw(ReadOnlySpan<float> p)
    {
        float u = (float)_random.NextDouble();
        for (int i = 0; i < p.Length; i++)
        {
            u -= p[i];
            if (u <= 0)
            {
                return i;
            }
        }
        return TensorPrimitives.IndexOfMax(p);
    }
}
