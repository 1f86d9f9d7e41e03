using NeuronGuard.Api.V1;
using Grpc.Core;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>
/// One open Telemetry stream. Writes are serialised (the transport allows one in flight); a failed write marks
/// the stream broken so every later send on it is a no-op that reports false.
/// </summary>
internal sealed class TelemetryConnection(AsyncDuplexStreamingCall<ModelServerMessage, DaemonMessage> call)
{
    private readonly SemaphoreSlim _write = new(1, 1);
    private volatile bool _broken;

    public bool Broken => _broken;

    /// <summary>Set once the first Welcome of this stream arrived.</summary>
    public bool Welcomed { get; set; }

    public void MarkBroken() => _broken = true;

    /// <summary>Sends <paramref name="message"/>; false when the stream is (or just became) broken.</summary>
    public async Task<bool> SendAsync(ModelServerMessage message)
    {
        if (_broken)
        {
            return false;
        }
        await _write.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_broken)
            {
                return false;
            }
            // No cancellation token: abandoning a write half-way would corrupt the stream for every request on it.
            await call.RequestStream.WriteAsync(message).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or OperationCanceledException or HttpRequestException)
        {
            _broken = true;
            return false;
        }
        finally
        {
            _write.Release();
        }
    }
}
