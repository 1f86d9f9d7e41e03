using NeuronGuard.Api.V1;
using NeuronGuard.Inference;

namespace NeuronGuard.ModelServer.BuiltinHost;

public sealed partial class TelemetryModelServer
{
    /// <summary>
    /// Generates a continuation of <paramref name="prompt"/> under the daemon's monitoring, one forward pass at a
    /// time so directives apply between steps: captured slot values go out as one prefill frame and then one frame
    /// per decode step; request gains × global gains are applied through a <see cref="NeuronGainsHook"/> registered
    /// after the capture (so the daemon sees pre-mitigation values). With <see cref="TelemetryModelServerOptions.Lockstep"/>
    /// each step waits for its verdict, so a mitigation decided on step s applies from step s+1. When the prefill's
    /// verdict brings a (non-shadow) Attenuate before the first token exists, the prompt is re-prefilled with the
    /// gains (capture off for the rerun, no frame sent twice) so the first generated token is already mitigated.
    /// An Abort stops the request (finish reason "aborted"). <paramref name="onToken"/> runs on the generating thread.
    /// Throws <see cref="DaemonUnavailableException"/> when no stream to the daemon is open.
    /// </summary>
    public Task<HostedResult> GenerateAsync(string prompt, GenerationOptions? options = null, string tenant = "",
        Action<HostedToken>? onToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= new GenerationOptions();
        var ids = Host.Tokenizer.Encode(prompt, options.AddBos);
        if (ids.Length == 0)
        {
            throw new ArgumentException("the prompt encodes to no tokens; give at least one character.", nameof(prompt));
        }
        if (ids.Length >= Host.MaxContextTokens)
        {
            throw new ArgumentException($"the prompt is {ids.Length} tokens but the context holds {Host.MaxContextTokens}; shorten it.", nameof(prompt));
        }
        if (options.MaxNewTokens < 0)
        {
            throw new ArgumentException($"MaxNewTokens is {options.MaxNewTokens}; it must be 0 or more.", nameof(options));
        }
        if (State != TelemetryConnectionState.Connected || _connection is not { Broken: false })
        {
            throw new DaemonUnavailableException(
                $"the built-in host has no Telemetry stream to the daemon at {_options.DaemonUrl} ({_lastError ?? "not connected yet"}); " +
                "requests are refused until it reconnects.");
        }
        return Task.Run(() => RunRequestAsync(ids, options, tenant ?? "", onToken, cancellationToken), CancellationToken.None);
    }

    private async Task<HostedResult> RunRequestAsync(int[] ids, GenerationOptions options, string tenant, Action<HostedToken>? onToken, CancellationToken ct)
    {
        string id = Guid.NewGuid().ToString("N");
        HostedRequest request;
        await _planGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var connection = _connection is { Broken: false } c ? c : null;
            request = new HostedRequest(id, _plan, connection);
            _requests[id] = request;
            if (connection is not null &&
                !await connection.SendAsync(new ModelServerMessage { RequestStart = new RequestStart { RequestId = id, Tenant = tenant } }).ConfigureAwait(false))
            {
                request.Connection = null;
                request.Errors.Add("the Telemetry stream broke before the request started; it ran unmonitored.");
            }
        }
        finally
        {
            _planGate.Release();
        }

        var session = RentSession();
        var run = new RequestRun(this, request, session, options);
        try
        {
            return await run.ExecuteAsync(ids, onToken, ct).ConfigureAwait(false);
        }
        finally
        {
            run.Dispose();
            _requests.TryRemove(id, out _);
            ReturnSession(session);
        }
    }
}
