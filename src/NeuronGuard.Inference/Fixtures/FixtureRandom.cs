namespace NeuronGuard.Inference.Fixtures;

/// <summary>Seeded xorshift64* generator: fast enough to fill 124M weights in a second or two, identical on every run.</summary>
internal sealed class FixtureRandom
{
    private ulong _s;

    public FixtureRandom(int seed) => _s = 0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed * 0xBF58476D1CE4E5B9UL | 1;

    public ulong NextULong()
    {
        _s ^= _s >> 12;
        _s ^= _s << 25;
        _s ^= _s >> 27;
        return _s * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public float NextFloat() => (NextULong() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform with standard deviation <paramref name="std"/> (half-width std·√3).</summary>
    public float Uniform(float std) => (NextFloat() * 2 - 1) * std * 1.7320508f;

    /// <summary>Standard normal (Box–Muller).</summary>
    public float Normal()
    {
        float u1 = Math.Max(NextFloat(), 1e-7f);
        float u2 = NextFloat();
        return MathF.Sqrt(-2 * MathF.Log(u1)) * MathF.Cos(2 * MathF.PI * u2);
    }

    public void FillUniform(Span<float> dst, float std, float center = 0)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = center + Uniform(std);
        }
    }

    public int Next(int maxExclusive) => (int)(NextULong() % (ulong)maxExclusive);
}
