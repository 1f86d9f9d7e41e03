using System.Buffers;
using System.Text;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Holds metric families and writes them in the Prometheus text format 0.0.4, families sorted by name and series
/// by label values, so the output is stable. Registration is for start-up; updates go to the returned children.
/// </summary>
public sealed class MetricRegistry
{
    /// <summary>Default cap on series per family.</summary>
    public const int DefaultMaxSeries = 1_000;

    private readonly object _gate = new();
    private readonly SortedDictionary<string, IMetricFamily> _families = new(StringComparer.Ordinal);
    private readonly List<Action> _collectors = [];
    private readonly CounterFamily _dropped;
    private int _lastSize;

    /// <param name="droppedSeriesName">Name of the counter of label combinations folded into "other", labelled by metric.</param>
    public MetricRegistry(string droppedSeriesName = "metrics_series_dropped_total")
    {
        _dropped = new CounterFamily(droppedSeriesName,
            "Label combinations that arrived after their metric reached its series cap and were counted under label values \"other\" instead.",
            ["metric"], DefaultMaxSeries, folds: null);
        Add(_dropped);
    }

    /// <summary>The fold counter, labelled by the metric that folded.</summary>
    public CounterFamily DroppedSeries => _dropped;

    public Counter Counter(string name, string help) => CounterFamily(name, help).WithLabels();

    public Gauge Gauge(string name, string help) => GaugeFamily(name, help).WithLabels();

    public Histogram Histogram(string name, string help, double[] buckets) => HistogramFamily(name, help, buckets).WithLabels();

    public CounterFamily CounterFamily(string name, string help, params string[] labelNames) =>
        CounterFamily(name, help, DefaultMaxSeries, labelNames);

    public CounterFamily CounterFamily(string name, string help, int maxSeries, params string[] labelNames) =>
        Add(new CounterFamily(name, help, labelNames, maxSeries, _dropped));

    public GaugeFamily GaugeFamily(string name, string help, params string[] labelNames) =>
        GaugeFamily(name, help, DefaultMaxSeries, labelNames);

    public GaugeFamily GaugeFamily(string name, string help, int maxSeries, params string[] labelNames) =>
        Add(new GaugeFamily(name, help, labelNames, maxSeries, _dropped));

    public HistogramFamily HistogramFamily(string name, string help, double[] buckets, params string[] labelNames) =>
        HistogramFamily(name, help, buckets, DefaultMaxSeries, labelNames);

    public HistogramFamily HistogramFamily(string name, string help, double[] buckets, int maxSeries, params string[] labelNames) =>
        Add(new HistogramFamily(name, help, labelNames, buckets, maxSeries, _dropped));

    /// <summary>Runs <paramref name="beforeScrape"/> at the start of every scrape, for values read on demand (process, GC).</summary>
    public void AddCollector(Action beforeScrape)
    {
        lock (_gate)
        {
            _collectors.Add(beforeScrape);
        }
    }

    /// <summary>Total series over all families (the fold counter included).</summary>
    public int SeriesCount
    {
        get
        {
            lock (_gate)
            {
                return _families.Values.Sum(f => f.SeriesCount);
            }
        }
    }

    /// <summary>Runs the collectors, then writes the whole exposition. Scrapes are serialized.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        lock (_gate)
        {
            foreach (var collect in _collectors)
            {
                collect();
            }
            foreach (var family in _families.Values)
            {
                family.Write(writer);
            }
        }
    }

    public void WriteTo(Stream stream) => stream.Write(WriteToBuffer().WrittenSpan);

    /// <summary>The exposition as a string (tests, debugging).</summary>
    public string Scrape() => Encoding.UTF8.GetString(WriteToBuffer().WrittenSpan);

    /// <summary>Writes the exposition into a buffer sized from the previous scrape, so large scrapes do not regrow it.</summary>
    public ArrayBufferWriter<byte> WriteToBuffer()
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(16 * 1024, Volatile.Read(ref _lastSize) + 4096));
        WriteTo(buffer);
        Volatile.Write(ref _lastSize, buffer.WrittenCount);
        return buffer;
    }

    private T Add<T>(T family) where T : IMetricFamily
    {
        lock (_gate)
        {
            if (!_families.TryAdd(family.Name, family))
            {
                throw new InvalidOperationException($"A metric named '{family.Name}' is already registered; register each metric once and keep the returned object.");
            }
            foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            {
                // A histogram "x" owns x_bucket/x_sum/x_count; another metric with such a name would collide in the scrape.
                if (family.Name.EndsWith(suffix, StringComparison.Ordinal) && _families.TryGetValue(family.Name[..^suffix.Length], out var h) && h is HistogramFamily)
                {
                    _families.Remove(family.Name);
                    throw new InvalidOperationException($"'{family.Name}' collides with histogram '{h.Name}'; pick another name.");
                }
            }
        }
        return family;
    }
}
