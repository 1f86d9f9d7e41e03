using System.Diagnostics;

namespace NeuronGuard.Offline.IO;

/// <summary>
/// One self-overwriting stderr line: "discover [#####.....] 120/400 texts  35.2/s  ETA 0:08". Redrawn at most
/// every 200 ms so a fast loop does not spend its time printing. A null writer makes it silent (tests).
/// </summary>
public sealed class ProgressLine
{
    private readonly TextWriter? _writer;
    private readonly string _label;
    private readonly int _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = -1000;

    public ProgressLine(TextWriter? writer, string label, int total)
    {
        _writer = writer;
        _label = label;
        _total = total;
    }

    public int Done { get; private set; }

    public void Advance(int n = 1)
    {
        Done += n;
        long now = _clock.ElapsedMilliseconds;
        if (_writer is not null && (now - _lastDraw >= 200 || Done == _total))
        {
            _lastDraw = now;
            _writer.Write("\r" + Render(Done, _total, _clock.Elapsed.TotalSeconds));
        }
    }

    public void Finish()
    {
        _writer?.WriteLine("\r" + Render(Done, _total, _clock.Elapsed.TotalSeconds));
    }

    /// <summary>The line for <paramref name="done"/> of <paramref name="total"/> after <paramref name="seconds"/>.</summary>
    public string Render(int done, int total, double seconds)
    {
        double rate = seconds > 0 ? done / seconds : 0;
        int width = 20;
        int filled = total > 0 ? (int)Math.Min(width, (long)done * width / total) : 0;
        string eta = rate > 0 && total > done ? Clock((total - done) / rate) : "-";
        return $"{_label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} texts  {rate:F1}/s  ETA {eta}  ";
    }

    private static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Ceiling(seconds));
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
    }
}
