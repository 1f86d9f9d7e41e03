using System.Diagnostics;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// How every figure of the inference bench is taken: the operation first runs for at least
/// <see cref="WarmSeconds"/> (so the JIT has promoted the kernels to tier-1 code and caches and pages are warm),
/// then each sample runs it back to back for a fixed <see cref="BudgetSeconds"/> and reports work / elapsed.
/// One call's time would measure tier-0 code on a quiet machine and the neighbours' builds on a busy one.
/// </summary>
internal static class Timing
{
    public static double WarmSeconds { get; set; } = 2.0;

    public static double BudgetSeconds { get; set; } = 1.0;

    public static void Warm(Action op)
    {
        var sw = Stopwatch.StartNew();
        do
        {
            op();
        }
        while (sw.Elapsed.TotalSeconds < WarmSeconds);
    }

    /// <summary>Work units per second over one budget (at least one call).</summary>
    public static double Rate(Action op, double work)
    {
        long calls = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            op();
            calls++;
        }
        while (sw.Elapsed.TotalSeconds < BudgetSeconds);
        return work * calls / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Work units per second over one budget where each call returns the seconds that count (decode: its steps, not its prompt).</summary>
    public static double Rate(Func<double> op, double work)
    {
        long calls = 0;
        double counted = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            counted += op();
            calls++;
        }
        while (sw.Elapsed.TotalSeconds < BudgetSeconds);
        return work * calls / counted;
    }

    /// <summary>The 1-minute load average (/proc/loadavg), recorded beside every pair.</summary>
    public static double Load()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}

/// <summary>
/// Interleaved pairs of one managed and one reference sample (the order alternates from pair to pair, so a
/// drift in the machine's load favours neither side), with the load at each pair. Ratios are taken per pair.
/// </summary>
internal sealed class PairedSamples
{
    private readonly List<(double Managed, double Reference, double Load)> _pairs = [];

    public int Count => _pairs.Count;

    /// <summary>The FMA peak sampled next to each pair (GEMM rows only), so a share of peak never divides by another minute's load.</summary>
    public List<double> Peaks { get; } = [];

    /// <summary>Median (range) of managed / peak per pair.</summary>
    public Stat ManagedShare => Stat.Of(_pairs.Select((p, i) => p.Managed / Peaks[i]));

    /// <summary>Median (range) of reference / peak per pair.</summary>
    public Stat ReferenceShare => Stat.Of(_pairs.Select((p, i) => p.Reference / Peaks[i]));

    public void Add(double managed, double reference, double load) => _pairs.Add((managed, reference, load));

    public Stat Managed => Stat.Of(_pairs.Select(p => p.Managed));

    public Stat Reference => Stat.Of(_pairs.Select(p => p.Reference));

    public Stat Ratio => Stat.Of(_pairs.Select(p => p.Managed / p.Reference));

    public Stat LoadAvg => Stat.Of(_pairs.Select(p => p.Load));

    /// <summary>Runs <paramref name="pairs"/> pairs; even pairs run managed first, odd pairs the reference first.</summary>
    public static async Task<PairedSamples> RunAsync(int pairs, Func<double> managed, Func<Task<double>> reference, Func<double>? peak = null)
    {
        var s = new PairedSamples();
        for (int i = 0; i < pairs; i++)
        {
            double load = Timing.Load();
            if (peak is not null)
            {
                s.Peaks.Add(peak());
            }
            double m, r;
            if (i % 2 == 0)
            {
                m = managed();
                r = await reference();
            }
            else
            {
                r = await reference();
                m = managed();
            }
            s.Add(m, r, load);
        }
        return s;
    }
}

/// <summary>Median and range of a set of samples.</summary>
internal readonly record struct Stat(double Median, double Min, double Max, int N)
{
    public static Stat Of(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0)
        {
            return new Stat(double.NaN, double.NaN, double.NaN, 0);
        }
        double med = v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        return new Stat(med, v[0], v[^1], v.Length);
    }

    public string Format(string f = "F1") => $"{Median.ToString(f)} ({Min.ToString(f)}–{Max.ToString(f)})";

    public string Ratio() => $"{Median:F2}x ({Min:F2}–{Max:F2})";
}
