using NeuronGuard.Offline.IO;

namespace NeuronGuard.Offline.Tests;

/// <summary>Progress bars only on a terminal; logs get plain lines (issue 24 item 10).</summary>
public sealed class ProgressLineTests
{
    [Fact]
    public void NotATerminal_PlainLinesWithoutCarriageReturns_FinalLineAtTheEnd()
    {
        using var log = new StringWriter();
        var line = new ProgressLine(log, "calibrate", 1000, terminal: false);
        for (int i = 0; i < 1000; i++)
        {
            line.Advance();
        }
        line.Finish();
        string text = log.ToString();
        Assert.DoesNotContain('\r', text);
        Assert.Contains("calibrate [####################] 1000/1000 texts", text);
        // A fast loop does not write a line per item: only the 10 s ticks (none here, or very few) and the end.
        Assert.True(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 3, text);
    }

    [Fact]
    public void Terminal_RedrawsInPlace()
    {
        using var screen = new StringWriter();
        var line = new ProgressLine(screen, "discover", 2, terminal: true);
        line.Advance();
        line.Advance();
        line.Finish();
        Assert.StartsWith("\rdiscover [", screen.ToString());
    }

    [Fact]
    public void Reporter_GetsTheFinalLine()
    {
        var lines = new List<string>();
        var line = ProgressLine.ToLog(lines.Add, "calibrating the fixture baseline", 3);
        line.Advance(3);
        line.Finish();
        Assert.Equal("calibrating the fixture baseline [####################] 3/3 texts", lines[^1][..lines[^1].IndexOf("texts", StringComparison.Ordinal)] + "texts");
        Assert.DoesNotContain(lines, l => l.Contains('\r'));
    }
}
