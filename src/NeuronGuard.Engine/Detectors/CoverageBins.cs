namespace NeuronGuard.Engine.Detectors;

/// <summary>
/// The coverage histogram's bin of a value: B equal bins over [lo, hi] (the calibration min and max), computed as
/// ⌊(x − lo)·scale⌋ with scale = B / (hi − lo) in float. Calibration and scoring both call this, so a value lands
/// in the same bin in both; the scorer precomputes scale so its hot loop multiplies instead of divides.
/// </summary>
public static class CoverageBins
{
    public static float Scale(float lo, float hi, int bins) => hi > lo ? bins / (hi - lo) : 0f;

    /// <summary>The bin of <paramref name="x"/>, or −1 when it lies outside [lo, hi].</summary>
    public static int Bin(float x, float lo, float hi, int bins) => Bin(x, lo, hi, Scale(lo, hi, bins), bins);

    /// <summary>As <see cref="Bin(float, float, float, int)"/> with <paramref name="scale"/> = <see cref="Scale"/>(lo, hi, bins).</summary>
    public static int Bin(float x, float lo, float hi, float scale, int bins)
    {
        if (!(x >= lo && x <= hi))
        {
            return -1;
        }
        int b = (int)((x - lo) * scale);
        return Math.Min(b, bins - 1);
    }
}
