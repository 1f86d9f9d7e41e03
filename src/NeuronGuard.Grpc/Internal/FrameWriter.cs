using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuronGuard.Grpc.Internal;

/// <summary>
/// Writes one length-prefixed message. Uncompressed messages are serialised straight into the
/// transport's buffer after the 5-byte header: no copy, no allocation beyond the message itself.
/// </summary>
internal static class FrameWriter
{
    public static void Write<T>(IBufferWriter<byte> output, T message, Marshaller<T> marshaller, string? compression,
        CompressionLevel level, int? maxMessageSize, string what)
    {
        var size = marshaller.GetSize(message);
        if (size > maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending {what} message exceeds the maximum configured message size ({size} vs. {maxMessageSize} bytes).");
        }
        if (compression is null)
        {
            WriteHeader(output, compressed: false, size);
            marshaller.Serialize(message, output);
            return;
        }
        using var plain = new PooledBuffer(size);
        marshaller.Serialize(message, plain);
        using var packed = new PooledBuffer(Math.Max(64, size / 2));
        MessageCompression.Compress(compression, plain.WrittenSpan, packed, level);
        WriteHeader(output, compressed: true, packed.WrittenCount);
        output.Write(packed.WrittenSpan);
    }

    private static void WriteHeader(IBufferWriter<byte> output, bool compressed, int length)
    {
        var header = output.GetSpan(GrpcProtocol.HeaderSize);
        header[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)length);
        output.Advance(GrpcProtocol.HeaderSize);
    }
}
