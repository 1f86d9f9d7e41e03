using System.Diagnostics;
using System.Threading.Channels;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Telemetry;
using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Client;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// One benchmark model server: its own channel (its own HTTP/2 connection, as separate model-server processes
/// would have) and one Telemetry stream. A reader task timestamps every daemon message as it arrives and hands
/// step verdicts to the driver through a channel, acknowledges PolicyUpdates like a real server, and records
/// when each policy version arrived, so the drivers measure on the client side of loopback.
/// </summary>
internal sealed class LiveStream : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<ModelServerMessage, DaemonMessage> _call;
    private readonly Channel<(uint Step, long At, bool Error)> _verdicts =
        Channel.CreateUnbounded<(uint, long, bool)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<Welcome> _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly object _policyGate = new();
    private readonly Task _reader;
    private long _policyVersion;
    private long _policyAt;
    private long _errors;

    private LiveStream(Uri address)
    {
        _channel = DaemonChannel.Create(address);
        _call = new Api.V1.Telemetry.TelemetryClient(_channel).Stream();
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Step verdicts (and per-request errors) in arrival order, with the Stopwatch timestamp of arrival.</summary>
    public ChannelReader<(uint Step, long At, bool Error)> Verdicts => _verdicts.Reader;

    /// <summary>Per-request StreamErrors received (should stay 0: every frame is well-formed).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Newest policy version received and the Stopwatch timestamp it arrived at.</summary>
    public (long Version, long At) Policy
    {
        get
        {
            lock (_policyGate)
            {
                return (_policyVersion, _policyAt);
            }
        }
    }

    /// <summary>Raised on the reader task when a PolicyUpdate arrives (version, arrival timestamp).</summary>
    public Action<long, long>? PolicyArrived { get; set; }

    /// <summary>Opens the stream, says Hello for <paramref name="fingerprint"/> and waits for the Welcome.</summary>
    public static async Task<(LiveStream Stream, Welcome Welcome)> ConnectAsync(Uri address, string fingerprint, string serverId)
    {
        var s = new LiveStream(address);
        await s.SendAsync(new ModelServerMessage { Hello = new Hello { ServerId = serverId, ModelId = "bench", ModelFingerprint = fingerprint } });
        var welcome = await s._welcome.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (welcome.Slots.Count == 0)
        {
            throw new InvalidOperationException($"the daemon sent no slots for model {fingerprint}: is a catalog and baseline active for it?");
        }
        return (s, welcome);
    }

    /// <summary>Writes one message; writes from the driver and the reader's acks are serialised.</summary>
    public async Task SendAsync(ModelServerMessage message)
    {
        await _writeGate.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(message);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None))
            {
                long at = Stopwatch.GetTimestamp();
                var m = _call.ResponseStream.Current;
                switch (m.KindCase)
                {
                    case DaemonMessage.KindOneofCase.Verdict when !m.Verdict.Final:
                        _verdicts.Writer.TryWrite((m.Verdict.Step, at, false));
                        break;
                    case DaemonMessage.KindOneofCase.Error:
                        Interlocked.Increment(ref _errors);
                        if (m.Error.RequestId.Length > 0)
                        {
                            _verdicts.Writer.TryWrite((uint.MaxValue, at, true));
                        }
                        break;
                    case DaemonMessage.KindOneofCase.Welcome:
                        _welcome.TrySetResult(m.Welcome);
                        await AckAsync(m.Welcome.Policy?.Version ?? 0);
                        break;
                    case DaemonMessage.KindOneofCase.PolicyUpdate:
                        long version = (long)m.PolicyUpdate.Policy.Version;
                        lock (_policyGate)
                        {
                            _policyVersion = version;
                            _policyAt = at;
                        }
                        PolicyArrived?.Invoke(version, at);
                        await AckAsync((ulong)version);
                        break;
                }
            }
        }
        catch (RpcException)
        {
            // Cancelled at dispose.
        }
        catch (IOException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _verdicts.Writer.TryComplete();
            _welcome.TrySetException(new InvalidOperationException($"the Telemetry stream ended before Welcome ({SafeStatus()})."));
        }
    }

    private string SafeStatus()
    {
        try
        {
            return _call.GetStatus().ToString();
        }
        catch (InvalidOperationException)
        {
            return "no status";
        }
    }

    private Task AckAsync(ulong version) => SendAsync(new ModelServerMessage { PolicyAck = new PolicyAck { Version = version } });

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(2));
            await _reader.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is TimeoutException or RpcException or IOException or InvalidOperationException or OperationCanceledException)
        {
            // Gone already; dispose cancels what is left.
        }
        _call.Dispose();
        _channel.Dispose();
        _writeGate.Dispose();
    }
}
