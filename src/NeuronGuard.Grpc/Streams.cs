namespace NeuronGuard.Grpc;

/// <summary>Reads a stream of messages; <see cref="Current"/> is valid after <see cref="MoveNext"/> returns true.</summary>
public interface IAsyncStreamReader<out T>
{
    T Current { get; }

    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}

/// <summary>Writes a stream of messages. Only one write may be in flight at a time.</summary>
public interface IAsyncStreamWriter<in T>
{
    /// <summary>Per-write options, e.g. <see cref="WriteFlags.NoCompress"/>; applies to later writes.</summary>
    WriteOptions? WriteOptions { get; set; }

    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

/// <summary>The server side of a response stream.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>
{
}

/// <summary>The client side of a request stream; <see cref="CompleteAsync"/> half-closes it.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    Task CompleteAsync();
}

[Flags]
public enum WriteFlags
{
    None = 0,
    /// <summary>
    /// More messages follow at once: buffer this one instead of flushing it (server streams). The next write without
    /// the flag flushes everything; the caller must send one, or the buffered messages wait.
    /// </summary>
    BufferHint = 1,
    /// <summary>Send this message uncompressed even when the call compresses.</summary>
    NoCompress = 2,
}

public sealed record WriteOptions(WriteFlags Flags = WriteFlags.None);

/// <summary>Helpers to consume a reader with <c>await foreach</c>.</summary>
public static class AsyncStreamReaderExtensions
{
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
