using System.Buffers;
using System.Globalization;
using System.Text;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>Histograms sharing a name, label names and bucket bounds.</summary>
public sealed class HistogramFamily : MetricFamily<Histogram>
{
    private readonly double[] _bounds;
    private readonly byte[] _bucket, _sum, _count;
    private readonly byte[][] _le; // `le="0.005"}` per bound, then +Inf

    internal HistogramFamily(string name, string help, string[] labelNames, double[] bounds, int maxSeries, CounterFamily? folds)
        : base(name, help, "histogram", CheckLabels(name, labelNames), maxSeries, folds)
    {
        _bounds = CheckBounds(name, bounds);
        _bucket = Utf8(name + "_bucket{");
        _sum = Utf8(name + "_sum");
        _count = Utf8(name + "_count");
        _le = new byte[_bounds.Length + 1][];
        for (int i = 0; i < _bounds.Length; i++)
        {
            var w = new ArrayBufferWriter<byte>();
            TextFormat.WriteDouble(w, _bounds[i]);
            _le[i] = Encoding.UTF8.GetBytes($"le=\"{Encoding.UTF8.GetString(w.WrittenSpan)}\"}} ");
        }
        _le[^1] = "le=\"+Inf\"} "u8.ToArray();
    }

    public IReadOnlyList<double> Buckets => _bounds;

    /// <summary><paramref name="count"/> bounds starting at <paramref name="start"/>, each <paramref name="factor"/> times the last.</summary>
    public static double[] ExponentialBuckets(double start, double factor, int count) =>
        Enumerable.Range(0, count).Select(i => start * Math.Pow(factor, i)).ToArray();

    private static string[] CheckLabels(string name, string[] labels) => labels.Contains("le")
        ? throw new ArgumentException($"Histogram '{name}' cannot have a label named 'le': the bucket bound uses it.", nameof(labels))
        : labels;

    private static double[] CheckBounds(string name, double[] bounds)
    {
        var b = bounds.Where(x => !double.IsPositiveInfinity(x)).ToArray(); // +Inf is always added
        if (b.Length == 0 || b.Any(double.IsNaN))
        {
            throw new ArgumentException($"Histogram '{name}' needs at least one finite bucket bound and no NaN.", nameof(bounds));
        }
        for (int i = 1; i < b.Length; i++)
        {
            if (!(b[i] > b[i - 1]))
            {
                throw new ArgumentException($"Histogram '{name}' bucket bounds must be strictly increasing; {b[i - 1].ToString(CultureInfo.InvariantCulture)} is followed by {b[i].ToString(CultureInfo.InvariantCulture)}.", nameof(bounds));
            }
        }
        return b;
    }

    private protected override Histogram Create(LabelSet labels) => new(labels, _bounds);

    private protected override LabelSet LabelsOf(Histogram child) => child.Labels;

    private protected override void WriteChild(IBufferWriter<byte> writer, Histogram child)
    {
        var labels = child.Labels.Utf8;
        long cumulative = 0;
        for (int i = 0; i <= _bounds.Length; i++)
        {
            cumulative += child.BucketCount(i);
            TextFormat.Write(writer, _bucket);
            if (labels.Length > 0)
            {
                TextFormat.Write(writer, labels);
                TextFormat.Write(writer, ","u8);
            }
            TextFormat.Write(writer, _le[i]);
            TextFormat.WriteLong(writer, cumulative);
            TextFormat.Write(writer, "\n"u8);
        }
        WriteSample(writer, _sum, child.Labels, child.Sum);
        WriteSample(writer, _count, child.Labels, cumulative);
    }
}
