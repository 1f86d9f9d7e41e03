using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Hosting.Connections;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// Metadata over the limit is refused on its own stream (HTTP 431, RST_STREAM) and the connection goes on (a PING is
/// answered after it); the limit is advertised in SETTINGS_MAX_HEADER_LIST_SIZE. Raw HTTP/2 frames, one per line.
/// </summary>
public sealed class MetadataLimitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-metadata-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1, 40_000)] // one field larger than the whole limit (was GOAWAY COMPRESSION_ERROR: over 16 KiB)
    [InlineData(3, 12_000)] // several fields, each fine, together over it
    public async Task HeadersOverTheLimit_431OnThatStream_ConnectionSurvives(int fields, int size)
    {
        await using var daemon = await DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = _dir, Model = "none", LogLevel = "Critical", Metrics = new MetricsOptions { Listen = "" },
        });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", daemon.Address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        await stream.WriteAsync(Frame(4, 0, 0, [])); // SETTINGS

        var settings = await ReadUntilAsync(stream, f => f.Type == 4 && f.Flags == 0);
        Assert.Equal((uint)MetadataLimits.MaxTotalSize, Setting(settings.Payload, 0x6)); // SETTINGS_MAX_HEADER_LIST_SIZE

        var block = new List<byte>();
        foreach (var (name, value) in new[] { (":method", "POST"), (":scheme", "http"), (":path", "/grpc.health.v1.Health/Check"),
            (":authority", "x"), ("content-type", "application/grpc"), ("te", "trailers") })
        {
            Literal(block, name, value);
        }
        for (var i = 0; i < fields; i++)
        {
            Literal(block, $"x-big-{i}", new string('v', size));
        }
        var bytes = block.ToArray();
        for (var offset = 0; offset < bytes.Length; offset += 16_000)
        {
            var chunk = bytes.AsSpan(offset, Math.Min(16_000, bytes.Length - offset)).ToArray();
            var last = offset + 16_000 >= bytes.Length;
            await stream.WriteAsync(Frame(offset == 0 ? (byte)1 /* HEADERS */ : (byte)9 /* CONTINUATION */, last ? (byte)4 /* END_HEADERS */ : (byte)0, 1, chunk));
        }

        var answer = await ReadUntilAsync(stream, f => f.Stream == 1 && f.Type == 1 || f.Type == 7);
        Assert.True(answer.Type == 1, "the server ended the whole connection (GOAWAY) instead of answering the stream");
        Assert.Contains("431", Encoding.ASCII.GetString(answer.Payload)); // :status 431, HPACK literal
        await ReadUntilAsync(stream, f => f.Stream == 1 && f.Type == 3); // RST_STREAM

        await stream.WriteAsync(Frame(6, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8])); // PING
        var pong = await ReadUntilAsync(stream, f => f.Type == 6 || f.Type == 7);
        Assert.Equal(6, pong.Type);
        Assert.Equal(1, pong.Flags); // ACK: the connection still serves
    }

    private static uint? Setting(byte[] payload, ushort id)
    {
        for (var i = 0; i + 6 <= payload.Length; i += 6)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i)) == id)
            {
                return BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
            }
        }
        return null;
    }

    /// <summary>HPACK "literal header field without indexing, new name" (RFC 7541 6.2.2), no Huffman.</summary>
    private static void Literal(List<byte> block, string name, string value)
    {
        block.Add(0);
        Integer(block, name.Length);
        block.AddRange(Encoding.ASCII.GetBytes(name));
        Integer(block, value.Length);
        block.AddRange(Encoding.ASCII.GetBytes(value));
    }

    /// <summary>An HPACK integer with a 7-bit prefix (RFC 7541 5.1).</summary>
    private static void Integer(List<byte> block, int value)
    {
        if (value < 127)
        {
            block.Add((byte)value);
            return;
        }
        block.Add(127);
        value -= 127;
        while (value >= 128)
        {
            block.Add((byte)(value % 128 + 128));
            value /= 128;
        }
        block.Add((byte)value);
    }

    private static byte[] Frame(byte type, byte flags, int streamId, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, 9);
        return frame;
    }

    private sealed record H2Frame(byte Type, byte Flags, int Stream, byte[] Payload);

    private static async Task<H2Frame> ReadUntilAsync(NetworkStream stream, Func<H2Frame, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var header = new byte[9];
        while (true)
        {
            await stream.ReadExactlyAsync(header, timeout.Token);
            var length = header[0] << 16 | header[1] << 8 | header[2];
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, timeout.Token);
            var frame = new H2Frame(header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue, payload);
            if (match(frame))
            {
                return frame;
            }
        }
    }
}
