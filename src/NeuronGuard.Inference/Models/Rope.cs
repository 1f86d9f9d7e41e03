using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Models;

/// <summary>
/// Rotary position embedding as Hugging Face Llama applies it (<c>rotate_half</c>): within each head,
/// element i pairs with i + headDim/2 and both rotate by pos·invFreq[i]. invFreq follows <c>rope_theta</c>
/// and, when configured, Llama 3.1 frequency scaling. Cos/sin are tabulated once per position.
/// </summary>
internal sealed class Rope
{
    private readonly float[] _cos; // (maxSeq, headDim/2)
    private readonly float[] _sin; // (maxSeq, headDim/2)
    private readonly int _half;

    public Rope(ModelConfig c, int maxSeq)
    {
        _half = c.HeadDim / 2;
        var inv = InverseFrequencies(c);
        _cos = new float[maxSeq * _half];
        _sin = new float[maxSeq * _half];
        for (int p = 0; p < maxSeq; p++)
        {
            for (int i = 0; i < _half; i++)
            {
                float angle = p * inv[i]; // float32 product, as torch computes it
                _cos[p * _half + i] = MathF.Cos(angle);
                _sin[p * _half + i] = MathF.Sin(angle);
            }
        }
    }

    public static float[] InverseFrequencies(ModelConfig c)
    {
        int half = c.HeadDim / 2;
        var inv = new float[half];
        for (int i = 0; i < half; i++)
        {
            inv[i] = (float)(1.0 / Math.Pow(c.RopeTheta, 2.0 * i / c.HeadDim));
        }
        if (c.RopeScaling is { } s)
        {
            double lowWavelen = s.OriginalMaxPositions / s.LowFreqFactor;
            double highWavelen = s.OriginalMaxPositions / s.HighFreqFactor;
            for (int i = 0; i < half; i++)
            {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowWavelen)
                {
                    inv[i] /= s.Factor;
                }
                else if (wavelen >= highWavelen)
                {
                    double smooth = (s.OriginalMaxPositions / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                    inv[i] = (float)((1 - smooth) * inv[i] / s.Factor + smooth * inv[i]);
                }
            }
        }
        return inv;
    }

    /// <summary>Rotates (tokens, heads·headDim) in place; row t is at position start + t.</summary>
    public unsafe void Apply(float* x, int tokens, int start, int heads)
    {
        int hd = 2 * _half;
        for (int t = 0; t < tokens; t++)
        {
            int p = start + t;
            var cos = new ReadOnlySpan<float>(_cos, p * _half, _half);
            var sin = new ReadOnlySpan<float>(_sin, p * _half, _half);
            for (int h = 0; h < heads; h++)
            {
                float* v = x + (long)t * heads * hd + h * hd;
                for (int i = 0; i < _half; i++)
                {
                    float a = v[i];
                    float b = v[i + _half];
                    v[i] = a * cos[i] - b * sin[i];
                    v[i + _half] = b * cos[i] + a * sin[i];
                }
            }
        }
    }
}
