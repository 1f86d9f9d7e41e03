namespace NeuronGuard.Engine.Discovery;

/// <summary>
/// Fixed bins for discovery histograms, chosen without a first pass: B equal bins of u = asinh(x / s) over
/// [−asinh(R / s), asinh(R / s)] (values beyond ±R go to the end bins). Near zero bins are ~s·Δu wide; for
/// |x| ≫ s each bin spans a factor e^Δu, so resolution is relative, as MLP activations (GELU/SiLU outputs from
/// −0.2 to hundreds) need. Defaults: s = 0.01, R = 10⁴, B = 256 → Δu ≈ 0.113 (±12% per bin, ±0.0011 near 0).
/// </summary>
public sealed record AsinhBins(int Count = 256, double Scale = 0.01, double Range = 1e4)
{
    private readonly double _uMax = Math.Asinh(Range / Scale);

    public int Bin(float x)
    {
        double u = Math.Asinh(x / Scale);
        int b = (int)((u + _uMax) / (2 * _uMax) * Count);
        return Math.Clamp(b, 0, Count - 1);
    }
}
