using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace NeuronGuard.Storage.Internal;

/// <summary>
/// The bytes both stores keep for a record: a small versioned header, then the opaque payload. The header
/// names the record it belongs to and carries a SHA-256 of the payload, so a truncated blob, a bit flip or a
/// blob copied under the wrong key is caught on read instead of reaching the engine.
/// </summary>
/// <remarks>
/// Layout v1, little-endian (pinned by RecordEnvelopeTests):
/// <code>
///  0  4  magic "NGRE"
///  4  2  envelope version (1)
///  6  1  kind (1 catalog, 2 baseline)
///  7  1  reserved (0)
///  8  4  payload format version (int32, the writer's)
/// 12  8  created, Unix milliseconds
/// 20  8  payload length
/// 28 32  SHA-256 of the payload
/// 60  2  actor length (UTF-8 bytes, at most 256)
/// 62  1  fingerprint length   63  1  version length
/// 64  …  actor, fingerprint, version, then the payload
/// </code>
/// </remarks>
internal static class RecordEnvelope
{
    public const ushort CurrentVersion = 1;
    public const int FixedSize = 64;
    public const int MaxActorBytes = 256;

    /// <summary>Enough bytes to read any header without the payload (for listings).</summary>
    public const int MaxHeaderSize = FixedSize + MaxActorBytes + 2 * StoreNames.MaxLength;

    private static ReadOnlySpan<byte> Magic => "NGRE"u8;

    public static byte[] Encode(RecordKind kind, string fingerprint, string version, int formatVersion,
        DateTimeOffset createdAt, string actor, ReadOnlySpan<byte> payload)
    {
        var actorBytes = Encoding.UTF8.GetBytes(actor);
        if (actorBytes.Length > MaxActorBytes)
        {
            throw new ArgumentException($"actor name is {actorBytes.Length} bytes; the limit is {MaxActorBytes}", nameof(actor));
        }
        var headerSize = FixedSize + actorBytes.Length + fingerprint.Length + version.Length;
        var blob = new byte[headerSize + payload.Length];
        var span = blob.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], CurrentVersion);
        span[6] = (byte)kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], formatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], createdAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(span[20..], payload.Length);
        SHA256.HashData(payload, span.Slice(28, 32));
        BinaryPrimitives.WriteUInt16LittleEndian(span[60..], (ushort)actorBytes.Length);
        span[62] = (byte)fingerprint.Length;
        span[63] = (byte)version.Length;
        var at = FixedSize;
        actorBytes.CopyTo(span[at..]);
        at += actorBytes.Length;
        at += Encoding.ASCII.GetBytes(fingerprint, span[at..]);
        at += Encoding.ASCII.GetBytes(version, span[at..]);
        payload.CopyTo(span[at..]);
        return blob;
    }

    /// <summary>Reads the header only; <paramref name="headerSize"/> is where the payload starts.</summary>
    public static RecordInfo ReadHeader(ReadOnlySpan<byte> blob, string source, out int headerSize)
    {
        if (blob.Length < FixedSize || !blob[..4].SequenceEqual(Magic))
        {
            throw Corrupt(source, blob.Length < FixedSize ? $"only {blob.Length} bytes, shorter than a header" : "it does not start with the NGRE magic");
        }
        var envelopeVersion = BinaryPrimitives.ReadUInt16LittleEndian(blob[4..]);
        if (envelopeVersion != CurrentVersion)
        {
            throw new StoreDataException(
                $"{source} uses record envelope v{envelopeVersion}; this build reads v{CurrentVersion}. Upgrade NeuronGuard or re-put the record with this version.");
        }
        var kind = (RecordKind)blob[6];
        if (kind is not (RecordKind.Catalog or RecordKind.Baseline))
        {
            throw Corrupt(source, $"unknown record kind {blob[6]}");
        }
        int actorLength = BinaryPrimitives.ReadUInt16LittleEndian(blob[60..]);
        headerSize = FixedSize + actorLength + blob[62] + blob[63];
        if (actorLength > MaxActorBytes || blob.Length < headerSize)
        {
            throw Corrupt(source, "its header is truncated");
        }
        var at = FixedSize;
        var actor = Encoding.UTF8.GetString(blob.Slice(at, actorLength));
        at += actorLength;
        var fingerprint = Encoding.ASCII.GetString(blob.Slice(at, blob[62]));
        at += blob[62];
        var version = Encoding.ASCII.GetString(blob.Slice(at, blob[63]));
        return new RecordInfo(
            kind, fingerprint, version,
            FormatVersion: BinaryPrimitives.ReadInt32LittleEndian(blob[8..]),
            CreatedAt: DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(blob[12..])),
            actor,
            Length: BinaryPrimitives.ReadInt64LittleEndian(blob[20..]),
            Sha256: Convert.ToHexStringLower(blob.Slice(28, 32)));
    }

    /// <summary>Reads and verifies a whole record stored under (kind, fingerprint, version).</summary>
    public static StoredRecord Decode(ReadOnlyMemory<byte> blob, RecordKind kind, string fingerprint, string version, string source)
    {
        var info = ReadHeader(blob.Span, source, out var headerSize);
        if (info.Kind != kind || info.Fingerprint != fingerprint || info.Version != version)
        {
            throw Corrupt(source, $"it holds {info.Describe()} (written under the wrong key)");
        }
        var payload = blob[headerSize..];
        if (payload.Length != info.Length)
        {
            throw Corrupt(source, $"its payload is {payload.Length} bytes, the header says {info.Length}");
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload.Span, hash);
        if (!hash.SequenceEqual(blob.Span.Slice(28, 32)))
        {
            throw Corrupt(source, "its SHA-256 does not match the payload");
        }
        return new StoredRecord(info, payload);
    }

    private static StoreDataException Corrupt(string source, string why) =>
        new($"{source} is corrupt: {why}. Put the record again under a new version and activate that.");
}
