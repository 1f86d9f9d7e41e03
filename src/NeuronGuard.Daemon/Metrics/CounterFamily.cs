using System.Buffers;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>Counters sharing a name and label names. The name must end in <c>_total</c>.</summary>
public sealed class CounterFamily : MetricFamily<Counter>
{
    private readonly byte[] _name;

    internal CounterFamily(string name, string help, string[] labelNames, int maxSeries, CounterFamily? folds)
        : base(CheckName(name), help, "counter", labelNames, maxSeries, folds) => _name = Utf8(name);

    private static string CheckName(string name) => name.EndsWith("_total", StringComparison.Ordinal)
        ? name
        : throw new ArgumentException($"Counter '{name}' must end in '_total' (Prometheus naming); rename it to '{name}_total'.", nameof(name));

    private protected override Counter Create(LabelSet labels) => new(labels);

    private protected override LabelSet LabelsOf(Counter child) => child.Labels;

    private protected override void WriteChild(IBufferWriter<byte> writer, Counter child) => WriteSample(writer, _name, child.Labels, child.Value);
}
