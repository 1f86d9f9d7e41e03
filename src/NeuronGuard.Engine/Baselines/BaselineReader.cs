using System.Buffers.Binary;
using System.Text;

namespace NeuronGuard.Engine.Baselines;

/// <summary>Bounds-checked little-endian cursor over a baseline; running short names the field and the fix.</summary>
internal ref struct BaselineReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public void Skip(int n) => Take(n);

    public byte U8() => Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public string Str() => Encoding.UTF8.GetString(Take(U16()));

    /// <summary>Reads a u32 count and checks the rest of the file can hold that many items of at least <paramref name="minSize"/> bytes.</summary>
    public int Count(int minSize, string what)
    {
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        if (n > (uint)((_data.Length - _pos) / Math.Max(1, minSize)))
        {
            Throw.BaselineFormat($"the baseline declares {n} {what}s but only {_data.Length - _pos} bytes remain: the file is corrupt; recalibrate it.");
        }
        return (int)n;
    }

    public readonly void EnsureEnd()
    {
        if (_pos != _data.Length)
        {
            Throw.BaselineFormat($"the baseline has {_data.Length - _pos} unexpected bytes after its last detector: the file is corrupt; recalibrate it.");
        }
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (_data.Length - _pos < n)
        {
            Throw.BaselineFormat($"the baseline is truncated at byte {_pos} (needs {n} more, has {_data.Length - _pos}); re-copy or recalibrate it.");
        }
        var s = _data.Slice(_pos, n);
        _pos += n;
        return s;
    }
}
