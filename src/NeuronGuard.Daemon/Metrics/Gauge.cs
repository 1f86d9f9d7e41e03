namespace NeuronGuard.Daemon.Metrics;

/// <summary>A value that goes up and down (Prometheus gauge). Updates are lock-free and allocation-free.</summary>
public sealed class Gauge
{
    private long _bits;

    internal Gauge(LabelSet labels) => Labels = labels;

    internal LabelSet Labels { get; }

    public double Value => AtomicDouble.Read(ref _bits);

    public void Set(double value) => AtomicDouble.Write(ref _bits, value);

    public void Inc(double amount = 1) => AtomicDouble.Add(ref _bits, amount);

    public void Dec(double amount = 1) => AtomicDouble.Add(ref _bits, -amount);
}
