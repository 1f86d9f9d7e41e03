using System.Buffers;
using System.IO.Compression;

namespace NeuronGuard.Grpc.Internal;

/// <summary>
/// Per-message compression named by <c>grpc-encoding</c>. gzip and deflate (zlib framing, as grpc-core sends it)
/// are supported; "identity" means none.
/// </summary>
internal static class MessageCompression
{
    public const string Gzip = "gzip";
    public const string Deflate = "deflate";

    /// <summary>What we advertise in <c>grpc-accept-encoding</c>.</summary>
    public const string AcceptEncoding = "identity,gzip,deflate";

    public static bool IsSupported(string encoding) =>
        encoding is GrpcProtocol.Identity or Gzip or Deflate;

    /// <summary>True when the peer's <c>grpc-accept-encoding</c> lists <paramref name="encoding"/>.</summary>
    public static bool PeerAccepts(string? acceptEncoding, string encoding)
    {
        if (acceptEncoding is null)
        {
            return false;
        }
        foreach (var part in acceptEncoding.Split(','))
        {
            if (part.Trim().Equals(encoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Decompresses into a pooled buffer; fails with RESOURCE_EXHAUSTED past <paramref name="maxSize"/>.</summary>
    public static PooledBuffer Decompress(string encoding, ReadOnlySequence<byte> compressed, int maxSize)
    {
        using var input = new SequenceStream(compressed);
        using Stream decoder = encoding == Gzip
            ? new GZipStream(input, CompressionMode.Decompress)
            : new ZLibStream(input, CompressionMode.Decompress);
        var output = new PooledBuffer(Math.Max(256, (int)Math.Min(compressed.Length * 4, maxSize + 1L)));
        try
        {
            while (true)
            {
                var span = output.GetSpan(4096);
                int read;
                try
                {
                    read = decoder.Read(span);
                }
                catch (InvalidDataException ex)
                {
                    throw new RpcException(StatusCode.Internal, $"Could not decompress a {encoding} message: {ex.Message}");
                }
                if (read == 0)
                {
                    return output;
                }
                output.Advance(read);
                if (output.WrittenCount > maxSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Received message exceeds the maximum configured message size after decompression ({maxSize} bytes).");
                }
            }
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    public static void Compress(string encoding, ReadOnlySpan<byte> data, PooledBuffer output, CompressionLevel level)
    {
        using var sink = new BufferWriterStream(output);
        using (Stream encoder = encoding == Gzip
            ? new GZipStream(sink, level, leaveOpen: true)
            : new ZLibStream(sink, level, leaveOpen: true))
        {
            encoder.Write(data);
        }
    }
}
