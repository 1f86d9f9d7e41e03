using Microsoft.Extensions.Logging;
using NeuronGuard.Api.V1;
using NeuronGuard.Client;
using NeuronGuard.Inference;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>What the daemon sends on the stream: Welcome (slots and policy), policy updates, global gains, and the per-request messages routed to their runs.</summary>
public sealed partial class TelemetryModelServer
{
    private ModelServerMessage Hello(string catalogVersion) => new()
    {
        Hello = new Hello
        {
            ServerId = _options.ServerId,
            ModelId = _options.ModelId ?? "",
            ModelFingerprint = Host.Info.Fingerprint,
            LegacyFingerprint = Host.Info.LegacyFingerprint,
            CatalogVersion = catalogVersion,
        },
    };

    private async Task DispatchAsync(TelemetryConnection connection, DaemonMessage message)
    {
        switch (message.KindCase)
        {
            case DaemonMessage.KindOneofCase.Welcome:
                await OnWelcomeAsync(connection, message.Welcome).ConfigureAwait(false);
                break;
            case DaemonMessage.KindOneofCase.PolicyUpdate:
                await AckPolicyAsync(connection, message.PolicyUpdate.Policy).ConfigureAwait(false);
                break;
            case DaemonMessage.KindOneofCase.Attenuate when message.Attenuate.Global:
                SetGlobalGains(message.Attenuate);
                break;
            case DaemonMessage.KindOneofCase.Attenuate:
                Route(connection, message.Attenuate.RequestId, message);
                break;
            case DaemonMessage.KindOneofCase.Verdict:
                Route(connection, message.Verdict.RequestId, message);
                break;
            case DaemonMessage.KindOneofCase.Abort:
                Route(connection, message.Abort.RequestId, message);
                break;
            case DaemonMessage.KindOneofCase.MaskAttention:
                if (!Route(connection, message.MaskAttention.RequestId, message))
                {
                    HostLog.UnknownRequest(_logger, "MaskAttention", message.MaskAttention.RequestId);
                }
                break;
            case DaemonMessage.KindOneofCase.Error when message.Error.RequestId.Length == 0:
                _lastError = $"daemon: {message.Error.Message} (code {message.Error.Code})";
                HostLog.StreamError(_logger, message.Error.Message, message.Error.Code);
                break;
            case DaemonMessage.KindOneofCase.Error:
                Route(connection, message.Error.RequestId, message);
                break;
        }
    }

    /// <summary>Hands <paramref name="message"/> to the request it names; false when no running request of this stream has that id.</summary>
    private bool Route(TelemetryConnection connection, string requestId, DaemonMessage message)
    {
        if (_requests.TryGetValue(requestId, out var request) && ReferenceEquals(request.StartedOn, connection))
        {
            request.Inbox.Writer.TryWrite(message);
            return true;
        }
        return false;
    }

    private async Task OnWelcomeAsync(TelemetryConnection connection, Welcome welcome)
    {
        var plan = SlotPlan.From(welcome, Host.Info);
        if (plan.Problem is not null)
        {
            _lastError = plan.Problem;
            HostLog.BadWelcome(_logger, plan.Problem);
        }
        if (!connection.Welcomed)
        {
            await _planGate.WaitAsync().ConfigureAwait(false);
            try
            {
                _plan = plan;
                _global = null;
                connection.Welcomed = true;
                _connection = connection;
            }
            finally
            {
                _planGate.Release();
            }
            await AckPolicyAsync(connection, welcome.Policy).ConfigureAwait(false);
            SetState(TelemetryConnectionState.Connected);
            HostLog.Welcomed(_logger, _options.DaemonUrl, plan.Count, plan.CatalogVersion, PolicyVersion);
            _firstWelcome.TrySetResult();
            _refusals.Accepted();
            return;
        }
        if (!_plan.SameAs(welcome))
        {
            // A new catalog or baseline: requests already running keep their plan; the re-Hello marks the boundary,
            // and the gate makes every RequestStart after it use the new slots.
            await _planGate.WaitAsync().ConfigureAwait(false);
            try
            {
                await connection.SendAsync(Hello(welcome.CatalogVersion)).ConfigureAwait(false);
                _plan = plan;
                _global = null;
            }
            finally
            {
                _planGate.Release();
            }
            HostLog.Rewelcomed(_logger, plan.CatalogVersion, plan.Count);
        }
        await AckPolicyAsync(connection, welcome.Policy).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a mode that acts on the prefill's verdict is in force for any set (abort, mask_attention; the Welcome
    /// carries the defaults, e.g. abort for backdoor sets): then every request waits for its prefill verdict before it
    /// samples the first token, even without lockstep, so an abort leaves no token and a mask covers the first one.
    /// </summary>
    internal static bool ActsAtPrefill(NeuronGuard.Api.V1.Policy? policy) =>
        policy is not null && policy.Mitigations.Any(m => m.Mode is MitigationMode.Abort or MitigationMode.MaskAttention);

    private async Task AckPolicyAsync(TelemetryConnection connection, NeuronGuard.Api.V1.Policy? policy)
    {
        ulong version = policy?.Version ?? 0;
        Volatile.Write(ref _policyActsAtPrefill, ActsAtPrefill(policy));
        Interlocked.Exchange(ref _policyVersion, (long)version);
        await connection.SendAsync(new ModelServerMessage { PolicyAck = new PolicyAck { Version = version } }).ConfigureAwait(false);
    }

    /// <summary>A global Attenuate: the full gain vector for every request of the current plan (shadow ones only counted).</summary>
    private void SetGlobalGains(Attenuate attenuate)
    {
        var plan = _plan;
        var previous = _global is { } g && ReferenceEquals(g.Plan, plan) ? g : null;
        if (attenuate.Shadow)
        {
            var gains = previous?.Gains ?? HostedRequest.Filled(plan.Count);
            _global = new GlobalGains(plan, gains, CountChanged(attenuate, plan.Count), Interlocked.Increment(ref _globalVersion));
            return;
        }
        var vector = HostedRequest.Filled(plan.Count);
        Fill(attenuate, vector);
        _global = new GlobalGains(plan, vector, previous?.ShadowCount ?? 0, Interlocked.Increment(ref _globalVersion));
    }

    /// <summary>Writes an Attenuate's gains into <paramref name="vector"/> (all 1 first); out-of-range slots and non-finite gains are ignored.</summary>
    internal static void Fill(Attenuate attenuate, float[] vector)
    {
        Array.Fill(vector, 1f);
        foreach (var g in attenuate.Gains)
        {
            if (g.Slot < vector.Length && float.IsFinite(g.Gain))
            {
                vector[g.Slot] = g.Gain;
            }
        }
    }

    internal static int CountChanged(Attenuate attenuate, int slots)
    {
        int n = 0;
        foreach (var g in attenuate.Gains)
        {
            if (g.Slot < slots && g.Gain != 1f)
            {
                n++;
            }
        }
        return n;
    }
}
