using System.Numerics.Tensors;

namespace NeuronGuard.Inference.Generation;

/// <summary>
/// Greedy or temperature / top-k / top-p sampling with a seeded generator (System.Random with a seed is
/// deterministic across runs and platforms). Buffers are allocated once per vocabulary.
/// </summary>
public sealed class Sampler
{
    private readonly float[] _probs;   // (vocab) probabilities after temperature
    private readonly float[] _keys;    // (vocab) negated probabilities, sort keys
    private readonly int[] _order;     // (vocab) token ids sorted by probability
    private readonly GenerationOptions _o;
    private readonly Random _random;

    public Sampler(int vocab, GenerationOptions options)
    {
        _probs = new float[vocab];
        _keys = new float[vocab];
        _order = new int[vocab];
        _o = options;
        _random = new Random(options.Seed);
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
        int n = SortDescending(p);
        if (_o.TopK > 0)
        {
            n = Math.Min(n, _o.TopK);
        }
        if (_o.TopP < 1f)
        {
            float cumulative = 0;
            for (int i = 0; i < n; i++)
            {
                cumulative += p[_order[i]];
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
            total += p[_order[i]];
        }
        float u = (float)_random.NextDouble() * total;
        for (int i = 0; i < n; i++)
        {
            u -= p[_order[i]];
            if (u <= 0)
            {
                return _order[i];
            }
        }
        return _order[n - 1];
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

    /// <summary>Fills <c>_order</c> with ids by descending probability (ties by id); returns the count.</summary>
    private int SortDescending(ReadOnlySpan<float> p)
    {
        var keys = _keys.AsSpan(0, p.Length);
        var order = _order.AsSpan(0, p.Length);
        TensorPrimitives.Negate(p, keys);
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        keys.Sort(order);
        return p.Length;
    }
}
