using System.Buffers;
using System.IO.Pipelines;
using NeuronGuard.Grpc.Internal;

namespace NeuronGuard.Grpc.Tests.Protocol;

public sealed class ProtocolUnitTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("500n", 5L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void TimeoutTryParse_ValidValue_ParsesTicks(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    [InlineData("1s")]
    [InlineData("1.5S")]
    public void TimeoutTryParse_Malformed_ReturnsFalse(string value) => Assert.False(GrpcTimeout.TryParse(value, out _));

    [Fact]
    public void TimeoutFormat_AnyDuration_RoundTripsToAtLeastTheRequestedTime()
    {
        foreach (var ms in new[] { 1.0, 0.0015, 999.9, 60_000, 3_600_000 * 30.0, 3_600_000 * 24 * 400.0 })
        {
            var span = TimeSpan.FromMilliseconds(ms);
            var text = GrpcTimeout.Format(span);
            Assert.True(text.Length <= 9, text);
            Assert.True(GrpcTimeout.TryParse(text, out var back), text);
            Assert.True(back >= span, $"{text} is shorter than {span}");
        }
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("50%", "50%25")]
    [InlineData("a\nb", "a%0Ab")]
    [InlineData("☺", "%E2%98%BA")]
    public void PercentEncode_Value_MatchesProtocol(string raw, string encoded)
    {
        Assert.Equal(encoded, PercentEncoding.Encode(raw));
        Assert.Equal(raw, PercentEncoding.Decode(encoded));
    }

    [Fact]
    public void PercentDecode_MalformedEscape_LeftAsIs() => Assert.Equal("100%zz", PercentEncoding.Decode("100%zz"));

    [Fact]
    public async Task FrameReader_TwoMessagesInOneSegment_ReadsBoth()
    {
        byte[] bytes =
        [
            0x00, 0x00, 0x00, 0x00, 0x02, // message 1: 2 bytes
            0x41, 0x42,                   // "AB"
            0x00, 0x00, 0x00, 0x00, 0x00, // message 2: empty
        ];
        var reader = new FrameReader<string>(PipeReader.Create(new ReadOnlySequence<byte>(bytes)), Utf8, 100, null, "request", default);
        Assert.True(await reader.MoveNext());
        Assert.Equal("AB", reader.Current);
        Assert.True(await reader.MoveNext());
        Assert.Equal("", reader.Current);
        Assert.False(await reader.MoveNext());
    }

    [Fact]
    public async Task FrameReader_GzipMessage_Decompresses()
    {
        using var packed = new PooledBuffer(64);
        MessageCompression.Compress("gzip", "hello"u8, packed, System.IO.Compression.CompressionLevel.Fastest);
        var bytes = new byte[5 + packed.WrittenCount];
        bytes[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)packed.WrittenCount);
        packed.WrittenSpan.CopyTo(bytes.AsSpan(5));
        var reader = new FrameReader<string>(PipeReader.Create(new ReadOnlySequence<byte>(bytes)), Utf8, 100, "gzip", "request", default);
        Assert.True(await reader.MoveNext());
        Assert.Equal("hello", reader.Current);
        Assert.True(reader.LastMessageCompressed);
    }

    [Fact]
    public async Task FrameReader_DecompressedPastLimit_ResourceExhausted()
    {
        using var packed = new PooledBuffer(64);
        MessageCompression.Compress("gzip", new byte[10_000], packed, System.IO.Compression.CompressionLevel.Optimal);
        var bytes = new byte[5 + packed.WrittenCount];
        bytes[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)packed.WrittenCount);
        packed.WrittenSpan.CopyTo(bytes.AsSpan(5));
        var reader = new FrameReader<string>(PipeReader.Create(new ReadOnlySequence<byte>(bytes)), Utf8, 1000, "gzip", "request", default);
        var ex = await Assert.ThrowsAsync<RpcException>(() => reader.MoveNext());
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void MetadataEntry_BadKeysAndValues_Rejected()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("grpc-status", "0"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("bad key", "v"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x", new byte[] { 1 }));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x", "line\nbreak"));
        Assert.Equal("upper", new Metadata().Add("UPPER", "v")[0].Key);
    }

    private static readonly Marshaller<string> Utf8 = new(
        s => System.Text.Encoding.UTF8.GetByteCount(s),
        (s, w) => w.Write(System.Text.Encoding.UTF8.GetBytes(s)),
        seq => System.Text.Encoding.UTF8.GetString(seq.ToArray()));
}
