using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>What the registry needs from a family to write it.</summary>
internal interface IMetricFamily
{
    string Name { get; }

    void Write(IBufferWriter<byte> writer);

    int SeriesCount { get; }
}

/// <summary>
/// A metric with 0–3 label names and one child per label-value combination. Lookups of an existing child are
/// lock-free and allocation-free (a dictionary keyed by the strings themselves); creation takes a lock. The number
/// of children is capped at <see cref="MaxSeries"/>: past it, new combinations fold into one child whose values are
/// all <c>"other"</c>, and the registry's dropped-series counter counts each fold.
/// </summary>
public abstract class MetricFamily<TChild> : IMetricFamily where TChild : class
{
    /// <summary>The label value that absorbs combinations beyond <see cref="MaxSeries"/>.</summary>
    public const string Other = "other";

    private readonly ConcurrentDictionary<LabelKey, TChild> _children = new();
    private readonly object _gate = new();
    private readonly string[] _labelNames;
    private readonly byte[] _header;
    private readonly CounterFamily? _folds;
    private int _count;      // combinations under the cap
    private bool _foldChild; // the all-"other" child exists because of a fold (not counted in _count)
    private TChild[]? _sorted; // children in exposition order; rebuilt after a child is added or removed

    private protected MetricFamily(string name, string help, string type, string[] labelNames, int maxSeries, CounterFamily? folds)
    {
        TextFormat.CheckMetricName(name);
        if (labelNames.Length > 3)
        {
            throw new ArgumentException($"Metric '{name}' has {labelNames.Length} label names; at most 3 are supported (more multiplies series).", nameof(labelNames));
        }
        foreach (var label in labelNames)
        {
            TextFormat.CheckLabelName(label);
        }
        if (labelNames.Distinct(StringComparer.Ordinal).Count() != labelNames.Length)
        {
            throw new ArgumentException($"Metric '{name}' repeats a label name: {string.Join(", ", labelNames)}.", nameof(labelNames));
        }
        if (maxSeries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSeries), maxSeries, "MaxSeries must be at least 1.");
        }
        Name = name;
        Help = help;
        MaxSeries = maxSeries;
        _labelNames = labelNames;
        _folds = folds;
        _header = Encoding.UTF8.GetBytes($"# HELP {name} {TextFormat.EscapeHelp(help)}\n# TYPE {name} {type}\n");
    }

    public string Name { get; }

    public string Help { get; }

    public IReadOnlyList<string> LabelNames => _labelNames;

    /// <summary>Most distinct label combinations kept (the <c>"other"</c> fold child comes on top).</summary>
    public int MaxSeries { get; }

    public int SeriesCount
    {
        get
        {
            lock (_gate)
            {
                return _count + (_foldChild ? 1 : 0);
            }
        }
    }

    /// <summary>The unlabeled child (a family declared with no label names).</summary>
    public TChild WithLabels() => Get(new LabelKey(null, null, null), 0);

    public TChild WithLabels(string a) => Get(new LabelKey(a, null, null), 1);

    public TChild WithLabels(string a, string b) => Get(new LabelKey(a, b, null), 2);

    public TChild WithLabels(string a, string b, string c) => Get(new LabelKey(a, b, c), 3);

    /// <summary>Removes a series (e.g. a disconnected model server). Children already handed out keep working but are no longer exported.</summary>
    public bool Remove(params string[] values)
    {
        CheckArity(values.Length);
        var key = ToKey(values);
        lock (_gate)
        {
            if (_children.TryRemove(key, out _))
            {
                _sorted = null;
                if (_foldChild && key == OtherKey())
                {
                    _foldChild = false;
                }
                else
                {
                    _count--;
                }
                return true;
            }
            return false;
        }
    }

    /// <summary>Removes every series.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _children.Clear();
            _count = 0;
            _foldChild = false;
            _sorted = null;
        }
    }

    private protected abstract TChild Create(LabelSet labels);

    private protected abstract void WriteChild(IBufferWriter<byte> writer, TChild child);

    private protected abstract LabelSet LabelsOf(TChild child);

    private protected static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private TChild Get(in LabelKey key, int arity)
    {
        if (_children.TryGetValue(key, out var child))
        {
            return child;
        }
        CheckArity(arity);
        return GetSlow(key);
    }

    private TChild GetSlow(LabelKey key)
    {
        var values = Values(key);
        foreach (var v in values)
        {
            ArgumentNullException.ThrowIfNull(v, "label value");
        }
        lock (_gate)
        {
            if (_children.TryGetValue(key, out var child))
            {
                return child;
            }
            if (_count >= MaxSeries)
            {
                _folds?.WithLabels(Name).Inc();
                var otherKey = OtherKey();
                if (_children.TryGetValue(otherKey, out var other))
                {
                    return other;
                }
                other = Create(new LabelSet(_labelNames, Values(otherKey)));
                _children[otherKey] = other;
                _foldChild = true;
                _sorted = null;
                return other;
            }
            child = Create(new LabelSet(_labelNames, values));
            _children[key] = child;
            _count++;
            _sorted = null;
            return child;
        }
    }

    private void CheckArity(int arity)
    {
        if (arity != _labelNames.Length)
        {
            throw new ArgumentException($"Metric '{Name}' has {_labelNames.Length} label name(s) ({string.Join(", ", _labelNames)}) but {arity} value(s) were given.");
        }
    }

    private LabelKey OtherKey() => ToKey(Enumerable.Repeat(Other, _labelNames.Length).ToArray());

    private static LabelKey ToKey(string[] values) => new(
        values.Length > 0 ? values[0] : null,
        values.Length > 1 ? values[1] : null,
        values.Length > 2 ? values[2] : null);

    private string[] Values(LabelKey key) => _labelNames.Length switch
    {
        0 => [],
        1 => [key.A!],
        2 => [key.A!, key.B!],
        _ => [key.A!, key.B!, key.C!],
    };

    void IMetricFamily.Write(IBufferWriter<byte> writer)
    {
        TChild[] children;
        lock (_gate)
        {
            children = _sorted ??= Sorted();
        }
        // HELP and TYPE even before the first series: dashboards, rules and `absent()` can rely on every family
        // being present from the first scrape (the format allows a family without samples).
        TextFormat.Write(writer, _header);
        foreach (var child in children)
        {
            WriteChild(writer, child);
        }
    }

    private TChild[] Sorted()
    {
        var children = _children.Values.ToArray();
        Array.Sort(children, (x, y) => CompareValues(LabelsOf(x).Values, LabelsOf(y).Values));
        return children;
    }

    private static int CompareValues(string[] x, string[] y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            int c = string.CompareOrdinal(x[i], y[i]);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    /// <summary>Writes <c>name{labels} value\n</c>.</summary>
    private protected static void WriteSample(IBufferWriter<byte> writer, byte[] name, LabelSet labels, double value)
    {
        TextFormat.Write(writer, name);
        if (labels.Utf8.Length > 0)
        {
            TextFormat.Write(writer, "{"u8);
            TextFormat.Write(writer, labels.Utf8);
            TextFormat.Write(writer, "}"u8);
        }
        TextFormat.Write(writer, " "u8);
        TextFormat.WriteDouble(writer, value);
        TextFormat.Write(writer, "\n"u8);
    }
}
