using System.Diagnostics;

namespace NeuronGuard.Offline.IO;

/// <summary>
/// Progress of a long job: "discover [#####.....] 120/400 texts  35.2/s  ETA 0:08". On a terminal, one
/// self-overwriting line redrawn at most every 200 ms; anywhere else (a log file, journald, `podman logs`), where a
/// carriage return leaves garbage, one plain line every <see cref="LogInterval"/> and at the end (issue 24 item 10).
/// A null writer makes it silent (tests); <see cref="ToLog"/> sends the periodic lines to a logger.
/// </summary>
public sealed class ProgressLine
{
    /// <summary>How often a non-terminal writer gets a line. 10 s: a slow calibration shows it moves, a log stays short.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly TextWriter? _writer;
    private readonly Action<string>? _report;
    private readonly bool _terminal;
    private readonly string _label;
    private readonly int _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw;

    /// <param name="terminal">Redraw in place; null: only when <paramref name="writer"/> is stderr and stderr is a terminal.</param>
    /// <param name="unit">What is counted ("texts", "neurons").</param>
    public ProgressLine(TextWriter? writer, string label, int total, bool? terminal = null, string unit = "texts")
    {
        _writer = writer;
        _label = label;
        _total = total;
        _unit = unit;
        _terminal = terminal ?? (writer is not null && ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected);
        _lastDraw = _terminal ? -1000 : 0;
    }

    private ProgressLine(Action<string> report, string label, int total)
    {
        _report = report;
        _label = label;
        _total = total;
        _unit = "texts";
    }

    /// <summary>Periodic lines (never carriage returns) through <paramref name="report"/>, e.g. a logger.</summary>
    public static ProgressLine ToLog(Action<string> report, string label, int total) => new(report, label, total);

    /// <summary>True when the line is redrawn in place (a terminal).</summary>
    public bool Terminal => _terminal;

    public int Done { get; private set; }

    public void Advance(int n = 1)
    {
        Done += n;
        long now = _clock.ElapsedMilliseconds;
        if (_terminal)
        {
            if (_writer is not null && (now - _lastDraw >= 200 || Done == _total))
            {
                _lastDraw = now;
                _writer.Write("\r" + Render(Done, _total, _clock.Elapsed.TotalSeconds));
            }
        }
        else if (now - _lastDraw >= LogInterval.TotalMilliseconds && Done < _total)
        {
            _lastDraw = now;
            Line();
        }
    }

    public void Finish()
    {
        if (_terminal)
        {
            _writer?.WriteLine("\r" + Render(Done, _total, _clock.Elapsed.TotalSeconds));
        }
        else
        {
            Line();
        }
    }

    private void Line()
    {
        string text = Render(Done, _total, _clock.Elapsed.TotalSeconds).TrimEnd();
        _writer?.WriteLine(text);
        _report?.Invoke(text);
    }

    /// <summary>The line for <paramref name="done"/> of <paramref name="total"/> after <paramref name="seconds"/>.</summary>
    public string Render(int done, int total, double seconds)
    {
        double rate = seconds > 0 ? done / seconds : 0;
        int width = 20;
        int filled = total > 0 ? (int)Math.Min(width, (long)done * width / total) : 0;
        string eta = rate > 0 && total > done ? Clock((total - done) / rate) : "-";
        return $"{_label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} {_unit}  {rate:F1}/s  ETA {eta}  ";
    }

    private static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Ceiling(seconds));
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
    }
}
