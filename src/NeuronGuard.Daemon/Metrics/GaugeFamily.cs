using System.Buffers;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>Gauges sharing a name and label names.</summary>
public sealed class GaugeFamily : MetricFamily<Gauge>
{
    private readonly byte[] _name;

    internal GaugeFamily(string name, string help, string[] labelNames, int maxSeries, CounterFamily? folds)
        : base(CheckName(name), help, "gauge", labelNames, maxSeries, folds) => _name = Utf8(name);

    private static string CheckName(string name) => name.EndsWith("_total", StringComparison.Ordinal)
        ? throw new ArgumentException($"Gauge '{name}' ends in '_total', which Prometheus reserves for counters; drop the suffix.", nameof(name))
        : name;

    private protected override Gauge Create(LabelSet labels) => new(labels);

    private protected override LabelSet LabelsOf(Gauge child) => child.Labels;

    private protected override void WriteChild(IBufferWriter<byte> writer, Gauge child) => WriteSample(writer, _name, child.Labels, child.Value);
}
