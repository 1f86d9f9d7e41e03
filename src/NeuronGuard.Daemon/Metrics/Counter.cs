namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// A monotonically increasing value (Prometheus counter). Updates are lock-free and allocation-free: whole-number
/// increments are one <c>Interlocked.Add</c> on a long (the hot path: frames, steps, values); fractional ones go
/// through a compare-exchange loop on a second, double-valued part.
/// </summary>
public sealed class Counter
{
    private long _whole;
    private long _fractionBits;

    internal Counter(LabelSet labels) => Labels = labels;

    internal LabelSet Labels { get; }

    public double Value => Volatile.Read(ref _whole) + AtomicDouble.Read(ref _fractionBits);

    public void Inc() => Interlocked.Increment(ref _whole);

    /// <summary>Adds a whole amount; a negative amount is a caller bug and throws.</summary>
    public void Inc(long amount)
    {
        if (amount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "A counter only goes up: add an amount >= 0 (use a Gauge for values that go down).");
        }
        Interlocked.Add(ref _whole, amount);
    }

    /// <summary>Adds <paramref name="amount"/>; a negative or non-finite amount is a caller bug and throws.</summary>
    public void Inc(double amount)
    {
        if (!(amount >= 0) || double.IsPositiveInfinity(amount))
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "A counter only goes up: add a finite amount >= 0 (use a Gauge for values that go down).");
        }
        if (amount < 9007199254740992d && amount == Math.Floor(amount))
        {
            Interlocked.Add(ref _whole, (long)amount);
        }
        else
        {
            AtomicDouble.Add(ref _fractionBits, amount);
        }
    }

    /// <summary>Raises the counter to <paramref name="total"/> if it is larger: for totals read from elsewhere at scrape time (GC counts, CPU time).</summary>
    public void IncTo(double total)
    {
        double missing = total - Value;
        if (missing > 0)
        {
            AtomicDouble.Add(ref _fractionBits, missing);
        }
    }
}
