using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;

namespace NeuronGuard.Grpc.Internal;

/// <summary>
/// Reads length-prefixed gRPC messages from a pipe, independent of how DATA frames split them.
/// Used for requests on the server and responses on the client.
/// </summary>
internal sealed class FrameReader<T> : IAsyncStreamReader<T>
{
    private readonly PipeReader _pipe;
    private readonly Marshaller<T> _marshaller;
    private readonly int _maxMessageSize;
    private readonly string? _encoding;
    private readonly string _what;
    private readonly CancellationToken _callToken;
    private T? _current;
    private bool _completed;

    /// <param name="encoding">The peer's <c>grpc-encoding</c>; null or "identity" when it compresses nothing.</param>
    /// <param name="what">"request" or "response", for error messages.</param>
    public FrameReader(PipeReader pipe, Marshaller<T> marshaller, int maxMessageSize, string? encoding, string what, CancellationToken callToken)
    {
        _pipe = pipe;
        _marshaller = marshaller;
        _maxMessageSize = maxMessageSize;
        _encoding = encoding is null or GrpcProtocol.Identity ? null : encoding;
        _what = what;
        _callToken = callToken;
    }

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    /// <summary>Whether the last message read had the Compressed-Flag set (interop's client_compressed cases check it).</summary>
    public bool LastMessageCompressed { get; private set; }

    public int MessagesRead { get; private set; }

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return false;
        }
        // Linking allocates: skip it when the caller passes the call's own token (the usual case for handlers).
        using var linked = cancellationToken.CanBeCanceled && _callToken.CanBeCanceled && cancellationToken != _callToken
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callToken)
            : null;
        var token = linked?.Token ?? (cancellationToken.CanBeCanceled ? cancellationToken : _callToken);
        while (true)
        {
            var result = await _pipe.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadMessage(ref buffer, out var message))
            {
                _pipe.AdvanceTo(buffer.Start);
                _current = message;
                MessagesRead++;
                return true;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                var leftover = buffer.Length;
                _pipe.AdvanceTo(buffer.End);
                _completed = true;
                if (leftover != 0)
                {
                    ThrowTruncated(leftover);
                }
                return false;
            }
            _pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out T message)
    {
        message = default!;
        if (buffer.Length < GrpcProtocol.HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        var flag = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (flag > 1)
        {
            ThrowBadFlag(flag);
        }
        if (length > _maxMessageSize)
        {
            ThrowTooLarge(length);
        }
        if (buffer.Length < GrpcProtocol.HeaderSize + length)
        {
            return false;
        }
        var payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
        LastMessageCompressed = flag == 1;
        message = flag == 1 ? DeserializeCompressed(payload) : Deserialize(payload);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    private T DeserializeCompressed(ReadOnlySequence<byte> payload)
    {
        if (_encoding is null)
        {
            throw new RpcException(StatusCode.Internal,
                $"A {_what} message has the compressed flag set but no grpc-encoding was given for the call.");
        }
        using var plain = MessageCompression.Decompress(_encoding, payload, _maxMessageSize);
        return Deserialize(new ReadOnlySequence<byte>(plain.WrittenMemory));
    }

    private T Deserialize(ReadOnlySequence<byte> payload)
    {
        try
        {
            return _marshaller.Deserialize(payload);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize the {_what} message: {ex.Message}");
        }
    }

    [DoesNotReturn]
    private void ThrowTruncated(long leftover) =>
        throw new RpcException(StatusCode.Internal,
            $"The {_what} stream ended inside a message ({leftover} bytes of an incomplete message were received).");

    [DoesNotReturn]
    private void ThrowBadFlag(byte flag) =>
        throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {flag} on a {_what} message: expected 0 or 1.");

    [DoesNotReturn]
    private void ThrowTooLarge(uint length) =>
        throw new RpcException(StatusCode.ResourceExhausted,
            $"Received {_what} message larger than max ({length} vs. {_maxMessageSize} bytes).");
}
