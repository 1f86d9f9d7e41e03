using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// The cross-request integrity alarm. The engine's integrity detector judges one request (safety neurons silent or
/// constant over it); one such request is noise, a run of them is a pruned or tampered model. The alarm is on while at
/// least <see cref="OnShare"/> of the last <see cref="Window"/> scored requests of a set tripped it, and goes off again
/// when that share falls below half of it, so the gauge (and the alert on it) follows the model, not single requests.
/// </summary>
public sealed class IntegrityWatch(DaemonMetrics metrics)
{
    public const int Window = 50;
    public const double OnShare = 0.8;
    private const int MinRequests = 10;

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
            double share = (double)_tripped / _count;
            bool on = On ? share >= OnShare / 2 : _count >= MinRequests && share >= OnShare;
            if (on == On)
            {
                return null;
            }
            On = on;
            return on;
        }
    }
}
