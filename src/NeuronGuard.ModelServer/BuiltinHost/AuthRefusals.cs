using Grpc.Core;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>
/// Counts consecutive authentication refusals of the Telemetry stream. A refused token is not transient: after
/// <see cref="TelemetryModelServerOptions.MaxAuthRefusals"/> in a row the model server stops retrying and
/// <see cref="GaveUp"/> completes with one line saying why, so `neuronguard host` exits and its pod restarts visibly
/// instead of "reconnecting in 200 ms…" forever (issue 24 item 3).
/// </summary>
internal sealed class AuthRefusals(int limit, string daemonUrl)
{
    private readonly TaskCompletionSource<string> _gaveUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    /// <summary>Completes with the reason once the limit is reached; never when the limit is 0.</summary>
    public Task<string> GaveUp => _gaveUp.Task;

    /// <summary>A Welcome arrived: the credentials work.</summary>
    public void Accepted() => _count = 0;

    /// <summary>Counts <paramref name="error"/> when it is a refusal; true when the server should stop retrying.</summary>
    public bool GiveUpAfter(RpcException error)
    {
        if (error.StatusCode is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied))
        {
            _count = 0;
            return false;
        }
        if (limit <= 0 || ++_count < limit)
        {
            return false;
        }
        string status = error.StatusCode == StatusCode.Unauthenticated ? "UNAUTHENTICATED" : "PERMISSION_DENIED";
        _gaveUp.TrySetResult($"the daemon at {daemonUrl} refused this model server's credentials {_count} times in a row ({status}: " +
            $"{error.Status.Detail.ReplaceLineEndings(" ")}); give a token with the ingest role (--token or NEURONGUARD_TOKEN)");
        return true;
    }
}
