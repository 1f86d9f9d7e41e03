using System.Text;

namespace NeuronGuard.Bench.Soak;

/// <summary>
/// Stands in for the console while the soak runs: counts the UTF-8 bytes the daemon's logger writes (the log volume
/// an operator's journal would receive) and discards them, so the bench's own progress lines stay readable.
/// </summary>
internal sealed class CountingWriter : TextWriter
{
    private long _bytes;

    public override Encoding Encoding => Encoding.UTF8;

    public long Bytes => Interlocked.Read(ref _bytes);

    public override void Write(char value) => Interlocked.Add(ref _bytes, value < 0x80 ? 1 : Encoding.UTF8.GetByteCount([value]));

    public override void Write(string? value)
    {
        if (value is not null)
        {
            Interlocked.Add(ref _bytes, Encoding.UTF8.GetByteCount(value));
        }
    }

    public override void Write(char[] buffer, int index, int count) => Interlocked.Add(ref _bytes, Encoding.UTF8.GetByteCount(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Interlocked.Add(ref _bytes, Encoding.UTF8.GetByteCount(buffer));
}
