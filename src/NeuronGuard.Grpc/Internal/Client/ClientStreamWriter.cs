namespace NeuronGuard.Grpc.Internal.Client;

/// <summary>Writes request messages into a <see cref="PushStreamContent"/>, one flush per message.</summary>
internal sealed class ClientStreamWriter<TRequest>(PushStreamContent content, Marshaller<TRequest> marshaller, Func<string?> compression,
    System.IO.Compression.CompressionLevel level, int? maxSize, CancellationToken callToken, Func<Exception, Exception> mapError)
    : IClientStreamWriter<TRequest>
{
    private readonly PooledBuffer _buffer = new(1024);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _completed;

    public WriteOptions? WriteOptions { get; set; }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        if (!_gate.Wait(0))
        {
            throw new InvalidOperationException("Only one write can be pending at a time.");
        }
        try
        {
            if (_completed)
            {
                throw new InvalidOperationException("The request stream has already been completed.");
            }
            var stream = await content.StreamAsync.WaitAsync(callToken).ConfigureAwait(false);
            _buffer.Reset();
            var encoding = WriteOptions is { } o && o.Flags.HasFlag(WriteFlags.NoCompress) ? null : compression();
            FrameWriter.Write(_buffer, message, marshaller, encoding, level, maxSize, "request");
            var token = cancellationToken.CanBeCanceled ? cancellationToken : callToken;
            await stream.WriteAsync(_buffer.WrittenMemory, token).ConfigureAwait(false);
            await stream.FlushAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not InvalidOperationException and not RpcException)
        {
            throw mapError(ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task CompleteAsync()
    {
        _completed = true;
        content.Complete();
        return Task.CompletedTask;
    }

    /// <summary>Unary and server-streaming requests: one message, then end of stream.</summary>
    public async Task WriteSingleAsync(TRequest message)
    {
        await WriteAsync(message).ConfigureAwait(false);
        await CompleteAsync().ConfigureAwait(false);
    }
}
