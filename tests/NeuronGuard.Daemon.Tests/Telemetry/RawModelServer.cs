using System.Threading.Channels;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Telemetry;
using Grpc.Core;
using Grpc.Net.Client;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// A model server speaking the Telemetry stream message by message, so tests can send exactly the bad input they
/// mean and see every daemon message in order. Received messages are collected by a background reader.
/// </summary>
public sealed class RawModelServer : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<ModelServerMessage, DaemonMessage> _call;
    private readonly Channel<DaemonMessage> _received = Channel.CreateUnbounded<DaemonMessage>();
    private Task _reader;

    public RawModelServer(GrpcChannel channel, bool read = true, Metadata? headers = null)
    {
        _call = channel.AsyncDuplexStreamingCall(BuiltinHostMethods.TelemetryStream, new CallOptions(headers: headers));
        _reader = read ? Task.Run(ReadAllCoreAsync) : Task.CompletedTask;
    }

    public List<DaemonMessage> Seen { get; } = [];

    public Task Completion => _reader;

    public Status Status => _call.GetStatus();

    public Task SendAsync(ModelServerMessage message) => _call.RequestStream.WriteAsync(message);

    public Task HelloAsync(string fingerprint, string serverId = "raw", string catalogVersion = "") =>
        SendAsync(new ModelServerMessage { Hello = new Hello { ServerId = serverId, ModelId = "test", ModelFingerprint = fingerprint, CatalogVersion = catalogVersion } });

    public Task StartAsync(string id, string tenant = "") =>
        SendAsync(new ModelServerMessage { RequestStart = new RequestStart { RequestId = id, Tenant = tenant } });

    public Task FrameAsync(string id, int firstStep, int steps, IEnumerable<float> values)
    {
        var a = new Activations { RequestId = id, FirstStep = (uint)firstStep, Steps = (uint)steps };
        a.Values.Add(values);
        return SendAsync(new ModelServerMessage { Activations = a });
    }

    public Task EndAsync(string id) => SendAsync(new ModelServerMessage { RequestEnd = new RequestEnd { RequestId = id } });

    public Task AckAsync(ulong version) => SendAsync(new ModelServerMessage { PolicyAck = new PolicyAck { Version = version } });

    public Task CompleteAsync() => _call.RequestStream.CompleteAsync();

    /// <summary>The next message matching <paramref name="match"/> (earlier non-matching ones are kept in <see cref="Seen"/>).</summary>
    public async Task<DaemonMessage> ExpectAsync(Func<DaemonMessage, bool> match, string what, int timeoutMs = 10_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            while (true)
            {
                var m = await _received.Reader.ReadAsync(cts.Token);
                Seen.Add(m);
                if (match(m))
                {
                    return m;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no {what} within {timeoutMs} ms; saw: {Recent()}");
        }
        catch (ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"the stream ended ({_call.GetStatus()}) before {what}; saw: {Recent()}");
        }
    }

    /// <summary>The last few messages, for failure messages (a flood test sees tens of thousands).</summary>
    private string Recent() => $"{Seen.Count} messages, the last: " + string.Join(" | ", Seen.TakeLast(5).Select(s => s.ToString()));

    public Task<DaemonMessage> ExpectErrorAsync(string requestId, StatusCode code) =>
        ExpectAsync(m => m.Error is { } e && e.RequestId == requestId && e.Code == (int)code, $"StreamError {code} for '{requestId}'");

    public async Task<Verdict> ExpectVerdictAsync(string requestId, bool final = false) =>
        (await ExpectAsync(m => m.Verdict is { } v && v.RequestId == requestId && v.Final == final, $"{(final ? "final " : "")}verdict for '{requestId}'")).Verdict;

    /// <summary>Starts reading now (for a server created with read = false).</summary>
    public void BeginReading() => _reader = Task.Run(ReadAllCoreAsync);

    private async Task ReadAllCoreAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None))
            {
                await _received.Writer.WriteAsync(_call.ResponseStream.Current);
            }
        }
        catch (RpcException)
        {
            // The status is read by the test through Status.
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _call.Dispose();
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Already gone.
        }
    }
}
