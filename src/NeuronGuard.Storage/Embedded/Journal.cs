using System.Buffers.Binary;
using System.IO.Hashing;

namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// The embedded store's append-only log (<c>journal.log</c>): one frame per acknowledged write, fsynced before the
/// write is acknowledged, so a write costs one small append whatever the policy's size. Frame: length (uint32 LE),
/// CRC-32 of the payload (uint32 LE), payload (a <see cref="JournalOp"/>). A frame torn by a crash fails its length or
/// CRC check and is cut off at the next open (it was never acknowledged). A checkpoint (state.json) plus the frames
/// after its sequence number is the whole state; <see cref="TruncateThrough"/> drops the frames a checkpoint holds.
/// </summary>
internal sealed class Journal : IDisposable
{
    public const string FileName = "journal.log";
    private const int HeaderSize = 8;

    private readonly string _path;
    private readonly bool _durable;
    private readonly List<(long Seq, byte[] Frame)> _pending = [];
    private FileStream _stream;

    private Journal(string path, bool durable, FileStream stream)
    {
        _path = path;
        _durable = durable;
        _stream = stream;
    }

    /// <summary>Frames written since the last checkpoint.</summary>
    public int Count => _pending.Count;

    /// <summary>Opens (or creates) the journal and returns the operations after <paramref name="checkpointSeq"/>, in order.</summary>
    public static (Journal Journal, List<JournalOp> Replay) Open(string path, long checkpointSeq, bool durable, int auditCap)
    {
        var existed = File.Exists(path);
        var bytes = existed ? File.ReadAllBytes(path) : [];
        var replay = new List<JournalOp>();
        var frames = new List<(long, byte[])>();
        var offset = 0;
        while (TryReadFrame(bytes, offset, auditCap, out var op, out var length))
        {
            if (op.Seq > checkpointSeq)
            {
                var expected = checkpointSeq + replay.Count + 1;
                if (op.Seq != expected)
                {
                    throw new StoreDataException($"'{path}' skips from sequence {expected - 1} to {op.Seq}: the journal does not continue state.json; restore both from a backup");
                }
                replay.Add(op);
                frames.Add((op.Seq, bytes.AsSpan(offset, length).ToArray()));
            }
            offset += length;
        }
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 1);
        if (offset < bytes.Length)
        {
            stream.SetLength(offset); // a torn last frame: never acknowledged
            stream.Flush(flushToDisk: durable);
        }
        stream.Seek(offset, SeekOrigin.Begin);
        if (!existed && durable)
        {
            DirectorySync.Flush(Path.GetDirectoryName(path)!);
        }
        var journal = new Journal(path, durable, stream);
        journal._pending.AddRange(frames);
        return (journal, replay);
    }

    /// <summary>Appends one operation and makes it durable; only then may the write be acknowledged.</summary>
    public void Append(JournalOp op)
    {
        var payload = op.Encode();
        var frame = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32.HashToUInt32(payload));
        payload.CopyTo(frame, HeaderSize);
        var at = _stream.Position;
        try
        {
            _stream.Write(frame);
            _stream.Flush(flushToDisk: _durable);
        }
        catch
        {
            // Not acknowledged: leave no half frame for the next write to follow.
            _stream.SetLength(at);
            _stream.Seek(at, SeekOrigin.Begin);
            throw;
        }
        _pending.Add((op.Seq, frame));
    }

    /// <summary>
    /// Replaces the journal with the frames after <paramref name="checkpointSeq"/> (those written while the checkpoint
    /// was being saved): temporary file, fsync, rename, directory fsync, so a crash leaves the old journal or the new.
    /// </summary>
    public void TruncateThrough(long checkpointSeq)
    {
        var keep = _pending.Where(p => p.Seq > checkpointSeq).ToList();
        var temp = _path + AtomicFile.TempMarker + Guid.NewGuid().ToString("N")[..8];
        using (var t = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
        {
            foreach (var (_, frame) in keep) t.Write(frame);
            t.Flush(flushToDisk: _durable);
        }
        _stream.Dispose();
        File.Move(temp, _path, overwrite: true);
        if (_durable)
        {
            DirectorySync.Flush(Path.GetDirectoryName(_path)!);
        }
        _stream = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 1);
        _stream.Seek(0, SeekOrigin.End);
        _pending.Clear();
        _pending.AddRange(keep);
    }

    private static bool TryReadFrame(byte[] bytes, int offset, int auditCap, out JournalOp op, out int length)
    {
        op = null!;
        length = 0;
        if (bytes.Length - offset < HeaderSize)
        {
            return false;
        }
        var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
        if (size > bytes.Length - offset - HeaderSize)
        {
            return false;
        }
        var payload = bytes.AsSpan(offset + HeaderSize, (int)size);
        if (Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4)))
        {
            return false;
        }
        try
        {
            op = JournalOp.Decode(payload, auditCap);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
        length = HeaderSize + (int)size;
        return true;
    }

    public void Dispose() => _stream.Dispose();
}
