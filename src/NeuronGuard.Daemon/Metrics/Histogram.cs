namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Counts observations into fixed upper bounds (Prometheus histogram). Each bucket holds its own count; the
/// exposition makes them cumulative and derives <c>_count</c> from the same read, so <c>+Inf</c> always equals <c>_count</c>.
/// </summary>
public sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts; // one per bound plus the +Inf overflow
    private long _sumBits;

    internal Histogram(LabelSet labels, double[] bounds)
    {
        Labels = labels;
        _bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    internal LabelSet Labels { get; }

    /// <summary>Records one value; NaN is counted in +Inf and poisons the sum, as in the reference clients.</summary>
    public void Observe(double value)
    {
        // Binary search for the first bound >= value (bounds are sorted, "le" is inclusive).
        int lo = 0, hi = _bounds.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_bounds[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        Interlocked.Increment(ref _counts[double.IsNaN(value) ? _bounds.Length : lo]);
        AtomicDouble.Add(ref _sumBits, value);
    }

    public double Sum => AtomicDouble.Read(ref _sumBits);

    public long Count
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                total += Volatile.Read(ref _counts[i]);
            }
            return total;
        }
    }

    internal ReadOnlySpan<double> Bounds => _bounds;

    internal long BucketCount(int i) => Volatile.Read(ref _counts[i]);
}
