using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// One catalogued neuron in the neuron view: an exponentially weighted mean of its observed activations, copied into
/// its gauge at scrape time. <see cref="Observe"/> takes no lock, no interlocked operation and allocates nothing.
/// </summary>
public sealed class NeuronMetrics
{
    /// <summary>Weight of the newest value in the moving mean: about the last 100 steps dominate.</summary>
    public const double Alpha = 0.01;

    /// <summary>The handle given out beyond the top-K neurons of a set: observing does nothing.</summary>
    public static readonly NeuronMetrics Noop = new(null);

    private readonly Gauge.Child? _mean;
    private long _bits = BitConverter.DoubleToInt64Bits(double.NaN);

    internal NeuronMetrics(Gauge.Child? mean) => _mean = mean;

    public bool IsExported => _mean is not null;

    /// <summary>The current moving mean (NaN before the first value).</summary>
    public double Mean => AtomicDouble.Read(ref _bits);

    /// <summary>
    /// Moves the mean toward <paramref name="value"/>. A plain read and write, no interlocked operation: two threads
    /// observing the same neuron at once may lose one step's update, which a moving mean absorbs.
    /// </summary>
    public void Observe(float value)
    {
        if (_mean is null || !float.IsFinite(value))
        {
            return;
        }
        double old = AtomicDouble.Read(ref _bits);
        AtomicDouble.Write(ref _bits, double.IsNaN(old) ? value : old + Alpha * (value - old));
    }

    /// <summary>Copies the mean into the exported gauge (which stays 0 until the first value).</summary>
    internal void Publish()
    {
        double mean = Mean;
        if (!double.IsNaN(mean))
        {
            _mean?.Set(mean);
        }
    }
}
