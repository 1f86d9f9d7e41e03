using System.Runtime.CompilerServices;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Lock-free double arithmetic on a <c>long</c> field holding the bits, so metric updates never lock or allocate.
/// </summary>
internal static class AtomicDouble
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Read(ref long bits) => BitConverter.Int64BitsToDouble(Volatile.Read(ref bits));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(ref long bits, double value) => Volatile.Write(ref bits, BitConverter.DoubleToInt64Bits(value));

    /// <summary>Adds <paramref name="delta"/> with a compare-exchange loop; returns the new value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Add(ref long bits, double delta)
    {
        long seen = Volatile.Read(ref bits);
        while (true)
        {
            double next = BitConverter.Int64BitsToDouble(seen) + delta;
            long witnessed = Interlocked.CompareExchange(ref bits, BitConverter.DoubleToInt64Bits(next), seen);
            if (witnessed == seen)
            {
                return next;
            }
            seen = witnessed;
        }
    }

    /// <summary>Raises the value to <paramref name="target"/> when it is larger (counters fed from a cumulative source).</summary>
    public static void Max(ref long bits, double target)
    {
        long seen = Volatile.Read(ref bits);
        while (BitConverter.Int64BitsToDouble(seen) < target)
        {
            long witnessed = Interlocked.CompareExchange(ref bits, BitConverter.DoubleToInt64Bits(target), seen);
            if (witnessed == seen)
            {
                return;
            }
            seen = witnessed;
        }
    }
}
