using System.Collections.Concurrent;
using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// A prometheus-net metric with a cap on its label combinations, which prometheus-net does not have. Past
/// <see cref="MaxSeries"/>, new combinations fold into one child whose values are all <c>"other"</c>, and each fold counts in
/// <c>neuronguard_metrics_series_dropped_total{metric}</c>. Lookups of a known combination are lock-free and allocation-free
/// (a dictionary keyed by the strings themselves; prometheus-net's own <c>WithLabels</c> would allocate its array).
/// </summary>
internal sealed class BoundedFamily<TChild> where TChild : ChildBase
{
    /// <summary>The label value that absorbs combinations beyond <see cref="MaxSeries"/>.</summary>
    public const string Other = "other";

    private readonly ConcurrentDictionary<(string?, string?, string?, string?), TChild> _children = new();
    private readonly object _gate = new();
    private readonly Collector<TChild> _collector;
    private readonly Counter _dropped;
    private Counter.Child? _folds; // this family's series of the dropped counter, made on the first fold
    private int _count; // combinations under the cap (the fold child not included)

    public BoundedFamily(Collector<TChild> collector, int maxSeries, Counter dropped)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeries, 1);
        _collector = collector;
        MaxSeries = maxSeries;
        _dropped = dropped;
    }

    public string Name => _collector.Name;

    /// <summary>Most distinct label combinations kept (the all-"other" fold child comes on top).</summary>
    public int MaxSeries { get; }

    public int Arity => _collector.LabelNames.Length;

    public int SeriesCount => _children.Count;

    public TChild WithLabels(string a) => Get((a, null, null, null), 1);

    public TChild WithLabels(string a, string b) => Get((a, b, null, null), 2);

    public TChild WithLabels(string a, string b, string c) => Get((a, b, c, null), 3);

    public TChild WithLabels(string a, string b, string c, string d) => Get((a, b, c, d), 4);

    /// <summary>Removes a series (a disconnected model server, say); handed-out children keep working unexported.</summary>
    public bool Remove(params string[] values)
    {
        CheckArity(values.Length);
        lock (_gate)
        {
            if (!_children.TryRemove(Key(values), out _))
            {
                return false;
            }
            if (!values.All(v => v == Other))
            {
                _count--;
            }
            _collector.RemoveLabelled(values);
            return true;
        }
    }

    /// <summary>Removes every series.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var key in _children.Keys)
            {
                _collector.RemoveLabelled(Values(key));
            }
            _children.Clear();
            _count = 0;
        }
    }

    private TChild Get((string?, string?, string?, string?) key, int arity)
    {
        if (_children.TryGetValue(key, out var child))
        {
            return child;
        }
        CheckArity(arity);
        return GetSlow(key);
    }

    private TChild GetSlow((string?, string?, string?, string?) key)
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
                (_folds ??= _dropped.WithLabels(Name)).Inc();
                var other = Enumerable.Repeat(Other, Arity).ToArray();
                return _children.GetOrAdd(Key(other), _ => _collector.WithLabels(other));
            }
            child = _collector.WithLabels(values);
            _children[key] = child;
            _count++;
            return child;
        }
    }

    private void CheckArity(int arity)
    {
        if (arity != Arity)
        {
            throw new ArgumentException($"Metric '{Name}' has {Arity} label name(s) ({string.Join(", ", _collector.LabelNames)}) but {arity} value(s) were given.");
        }
    }

    private static (string?, string?, string?, string?) Key(string[] values) => (
        values.Length > 0 ? values[0] : null,
        values.Length > 1 ? values[1] : null,
        values.Length > 2 ? values[2] : null,
        values.Length > 3 ? values[3] : null);

    private string[] Values((string? A, string? B, string? C, string? D) key) => Arity switch
    {
        1 => [key.A!],
        2 => [key.A!, key.B!],
        3 => [key.A!, key.B!, key.C!],
        _ => [key.A!, key.B!, key.C!, key.D!],
    };
}
