using System.Threading.Channels;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// The ordered queue of messages to one model server, drained by one writer task. Ordering matters (an Attenuate
/// precedes the Verdict of the frame that caused it), so there is one queue with two limits: above
/// <c>verdictLimit</c> verdicts are dropped and counted; above <c>hardLimit</c> the stream is declared stuck.
/// </summary>
internal sealed class OutboundQueue(int verdictLimit, int hardLimit)
{
    private readonly Channel<Outbound> _channel = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true });
    private int _count;

    public ChannelReader<Outbound> Reader => _channel.Reader;

    /// <summary>False when the queue is over its verdict limit: the verdict was dropped.</summary>
    /// <param name="recycle">The message may be reused once written (nothing else holds it).</param>
    public bool TryEnqueueVerdict(DaemonMessage message, long receivedTimestamp, bool recycle)
    {
        if (Volatile.Read(ref _count) >= verdictLimit)
        {
            return false;
        }
        Interlocked.Increment(ref _count);
        return _channel.Writer.TryWrite(new Outbound(message, receivedTimestamp, recycle));
    }

    /// <summary>False when the queue is over its hard limit: the model server is not reading and the stream must end.</summary>
    public bool TryEnqueue(DaemonMessage message)
    {
        if (Interlocked.Increment(ref _count) > hardLimit)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        return _channel.Writer.TryWrite(new Outbound(message, 0, false));
    }

    public void Dequeued() => Interlocked.Decrement(ref _count);

    public void Complete() => _channel.Writer.TryComplete();
}

/// <summary>
/// A queued message; <see cref="ReceivedTimestamp"/> is the Stopwatch time its frame arrived (verdicts only);
/// <see cref="Recycle"/> marks a per-frame verdict the writer hands back to the session's pool after writing it.
/// </summary>
internal readonly record struct Outbound(DaemonMessage Message, long ReceivedTimestamp, bool Recycle);
