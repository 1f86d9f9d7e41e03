using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// The cross-request integrity alarm. The engine's integrity detector judges one request (the safety neurons' variance
/// and mean over it against the baseline); it trips on about the calibrated false-positive rate of benign requests
/// (1 %; 2.3 % measured on the trained model's held-out traffic). The alarm compares the last <see cref="Window"/>
/// scored requests of a set with that rate: it is on while at least <see cref="OnTrips"/> of them tripped (20 %, which
/// benign traffic at 2 % reaches with probability ~3e-5), and goes off when fewer than half as many did, so the gauge
/// (and the alert on it) follows the model, not single requests. A pruned or scaled-down set trips every request (on
/// after 10); a subtler edit that trips a third of them still turns it on within a window (bench/results/integrity.md).
/// </summary>
public sealed class IntegrityWatch(DaemonMetrics metrics)
{
    public const int Window = 50;
    public const int OnTrips = 10;

    private readonly Dictionary<string, SetWindow> _sets = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>Records whether a finished request tripped the integrity detector of <paramref name="set"/>.</summary>
    public void Observe(string set, bool tripped)
    {
        bool? change;
        lock (_gate)
        {
            if (!_sets.TryGetValue(set, out var w))
            {
                _sets[set] = w = new SetWindow();
            }
            change = w.Add(tripped);
        }
        if (change is { } on)
        {
            metrics.IntegrityAlarm(set, on);
        }
    }

    public bool IsOn(string set)
    {
        lock (_gate)
        {
            return _sets.TryGetValue(set, out var w) && w.On;
        }
    }

    private sealed class SetWindow
    {
        private readonly bool[] _ring = new bool[Window];
        private int _count;
        private int _next;
        private int _tripped;

        public bool On { get; private set; }

        /// <summary>The new alarm state when it changed, else null.</summary>
        public bool? Add(bool tripped)
        {
            if (_count == Window && _ring[_next])
            {
                _tripped--;
            }
            _ring[_next] = tripped;
            _next = (_next + 1) % Window;
            _count = Math.Min(_count + 1, Window);
            if (tripped)
            {
                _tripped++;
            }
            bool on = On ? _tripped * 2 >= OnTrips : _tripped >= OnTrips;
            if (on == On)
            {
                return null;
            }
            On = on;
            return on;
        }
    }
}
