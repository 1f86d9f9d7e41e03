using Grpc.Core;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Console.Tests.Infrastructure;

/// <summary>
/// A real Telemetry stream whose Hello and requests carry markup where names belong (server id, model id, tenant,
/// labels): what a compromised or careless model server could send. The console must show it as text.
/// </summary>
public sealed class HostileModelServer : IAsyncDisposable
{
    public const string ServerId = "<script>alert(1)</script>";
    public const string ModelId = "<img src=x onerror=alert(2)>";
    public const string Tenant = "<img src=x onerror=alert(3)>";

    private readonly AsyncDuplexStreamingCall<ModelServerMessage, DaemonMessage> _call;

    private HostileModelServer(AsyncDuplexStreamingCall<ModelServerMessage, DaemonMessage> call) => _call = call;

    /// <summary>
    /// Connects as the fixture model (so the daemon scores it), or as <paramref name="fingerprint"/> (a model the daemon
    /// has no catalog for: connected but not monitored), and waits for the Welcome.
    /// </summary>
    public static async Task<HostileModelServer> ConnectAsync(ConsoleDaemon fx, string serverId = ServerId, string? fingerprint = null)
    {
        var host = NeuronGuard.ModelServer.ServeHost.BuiltinHost(fx.Daemon)!;
        var call = new Api.V1.Telemetry.TelemetryClient(fx.Channel).Stream(fx.Bearer(fx.IngestToken));
        var server = new HostileModelServer(call);
        await call.RequestStream.WriteAsync(new ModelServerMessage
        {
            Hello = fingerprint is null
                ? new Hello { ServerId = serverId, ModelId = ModelId, ModelFingerprint = host.Host.Info.Fingerprint, CatalogVersion = host.CatalogVersion }
                : new Hello { ServerId = serverId, ModelId = "unknown-model", ModelFingerprint = fingerprint },
        });
        var welcome = await server.NextAsync(m => m.KindCase == DaemonMessage.KindOneofCase.Welcome);
        server.Slots = welcome.Welcome.Slots.Count;
        return server;
    }

    public int Slots { get; private set; }

    /// <summary>One request of one step of zeros under <see cref="Tenant"/>; returns once its final verdict is back.</summary>
    public async Task<Verdict> RequestAsync(string requestId)
    {
        var start = new RequestStart { RequestId = requestId, Tenant = Tenant };
        start.Labels.Add("<b>label</b>", "<i>value</i>");
        await _call.RequestStream.WriteAsync(new ModelServerMessage { RequestStart = start });
        var activations = new Activations { RequestId = requestId, FirstStep = 0, Steps = 1 };
        activations.Values.Add(new float[Slots]);
        await _call.RequestStream.WriteAsync(new ModelServerMessage { Activations = activations });
        await _call.RequestStream.WriteAsync(new ModelServerMessage { RequestEnd = new RequestEnd { RequestId = requestId } });
        return (await NextAsync(m => m.KindCase == DaemonMessage.KindOneofCase.Verdict && m.Verdict.RequestId == requestId && m.Verdict.Final)).Verdict;
    }

    private async Task<DaemonMessage> NextAsync(Func<DaemonMessage, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _call.ResponseStream.MoveNext(timeout.Token))
        {
            if (match(_call.ResponseStream.Current))
            {
                return _call.ResponseStream.Current;
            }
        }
        throw new InvalidOperationException($"the daemon closed the stream: {_call.GetStatus()}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync();
        }
        catch (InvalidOperationException)
        {
        }
        _call.Dispose();
    }
}
