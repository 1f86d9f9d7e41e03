using NeuronGuard.Api.V1;
using NeuronGuard.Inference;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>One request's step loop: capture, frames, lockstep waits, gains, attention masks, re-prefill.</summary>
public sealed partial class TelemetryModelServer
{
    /// <summary>The state of one request's step loop; touched only by the task running it.</summary>
    private sealed partial class RequestRun : IDisposable
    {
        private readonly TelemetryModelServer _server;
        private readonly HostedRequest _request;
        private readonly InferenceSession _session;
        private readonly GenerationOptions _options;
        private readonly NeuronGainsHook _gainsHook = new();
        private readonly IDisposable? _captureRegistration;
        private readonly IDisposable _gainsRegistration;
        private readonly float[] _effective;
        private readonly ModelServerMessage _frameMessage;
        private readonly float[] _logits;
        private float[] _frame = [];
        private int _frameFirst;
        private int _frameSteps;
        private bool _captureOn;
        private bool _requestGainsDirty;
        private bool _maskDirty;
        private long _globalVersionApplied = -1;
        private int _attenuated;
        private int _verdictTimeouts;
        private bool _monitored;
        private CancellationTokenSource _wait = new();

        public RequestRun(TelemetryModelServer server, HostedRequest request, InferenceSession session, GenerationOptions options)
        {
            _server = server;
            _request = request;
            _session = session;
            _options = options;
            _effective = HostedRequest.Filled(request.Plan.Count);
            _monitored = request.Connection is not null && request.Plan.Count > 0;
            _captureOn = _monitored;
            if (request.Plan.Count > 0)
            {
                _captureRegistration = session.Register(new NeuronCapture(request.Plan.Selection, OnCaptured));
            }
            _gainsRegistration = session.Register(_gainsHook);
            _logits = new float[server.Host.Info.VocabSize];
            _frameMessage = new ModelServerMessage { Activations = new Activations { RequestId = request.Id } };
        }

        public async Task<HostedResult> ExecuteAsync(int[] ids, Action<HostedToken>? onToken, CancellationToken ct)
        {
            var tokenizer = _server.Host.Tokenizer;
            var stop = _options.StopTokens ?? tokenizer.EosIds;
            var sampler = new NeuronGuard.Inference.Generation.Sampler(_server.Host.Info.VocabSize, _options);
            var tokens = new List<HostedToken>();
            string finish = "max_tokens";
            bool reprefilled = false;

            Drain();
            RefreshGains();
            PrefillPrompt(ids);
            int passAttenuated = _attenuated;
            // With abort or mask_attention in force the prefill's verdict is awaited even without lockstep: an abort
            // then leaves no token, and a mask covers the first one.
            await AfterForwardAsync(ids.Length - 1, waitForVerdict: _server.WaitsForPrefillVerdict).ConfigureAwait(false);
            var prefillVerdict = _request.LatestVerdict;
            // A shadow Attenuate caused by the prefill is what on_flag would have applied to the first token (by re-prefill).
            int passShadow = ShadowCount();
            bool gainsChanged = _request.AbortReason is null && RefreshGains();
            if (_request.AbortReason is null && (gainsChanged || _maskDirty))
            {
                // The prefill's verdict brought gains or a mask before any token exists: rerun the prompt with them so
                // the first token is mitigated too. Capture is off for the rerun: the daemon already has these steps.
                Replay(ids, []);
                reprefilled = true;
                passAttenuated = _attenuated;
            }

            for (int i = 0; ; i++)
            {
                if (_request.AbortReason is not null)
                {
                    finish = "aborted";
                    break;
                }
                if (ct.IsCancellationRequested)
                {
                    finish = "cancelled";
                    break;
                }
                if (i >= _options.MaxNewTokens)
                {
                    break;
                }
                int token = sampler.Next(_logits);
                if (stop.Contains(token))
                {
                    finish = "stop_token";
                    break;
                }
                var hosted = new HostedToken(i, token, tokenizer.Decode([token]), _request.LatestVerdict, passAttenuated, passShadow);
                tokens.Add(hosted);
                onToken?.Invoke(hosted);
                if (i + 1 >= _options.MaxNewTokens)
                {
                    break;
                }
                if (_session.Position >= _session.MaxContextTokens)
                {
                    finish = "context_full";
                    break;
                }
                Drain();
                RefreshGains();
                if (_maskDirty)
                {
                    // A mask decided mid-request: the cached keys and values after the masked positions were computed
                    // attending to them, so the sequence so far is re-run under the mask before this token's step.
                    Replay(ids, tokens.Take(i).Select(t => t.TokenId));
                }
                passAttenuated = _attenuated;
                passShadow = ShadowCount();
                _session.Step(token).CopyTo(_logits);
                await AfterForwardAsync(ids.Length + i).ConfigureAwait(false);
            }

            await EndAsync().ConfigureAwait(false);
            return new HostedResult
            {
                RequestId = _request.Id,
                PromptTokens = ids.Length,
                Tokens = tokens,
                Text = tokenizer.Decode(tokens.Select(t => t.TokenId).ToArray(), skipSpecial: true),
                FinishReason = finish,
                FinalVerdict = _request.FinalVerdict,
                PrefillVerdict = prefillVerdict,
                AbortReason = _request.AbortReason,
                Errors = _request.Errors,
                Monitored = _monitored,
                Reprefilled = reprefilled,
                MaskedPositions = _request.MaskedPositions.ToArray(),
                VerdictTimeouts = _verdictTimeouts,
            };
        }

        /// <summary>
        /// Runs the prompt from position 0 under the request's attention mask; logits are copied because the loop awaits
        /// between passes.
        /// </summary>
        private void PrefillPrompt(int[] ids)
        {
            _session.Reset();
            if (_request.MaskedPositions.Count > 0)
            {
                _session.MaskAttention(_request.MaskedPositions);
            }
            _maskDirty = false;
            _session.Prefill(ids).CopyTo(_logits);
        }

        /// <summary>Re-runs the prompt and <paramref name="generated"/> with the current gains and mask, capture off (the daemon has these steps).</summary>
        private void Replay(int[] ids, IEnumerable<int> generated)
        {
            bool capture = _captureOn;
            _captureOn = false;
            PrefillPrompt(ids.Concat(generated).ToArray());
            _captureOn = capture;
        }

        public void Dispose()
        {
            _captureRegistration?.Dispose();
            _gainsRegistration.Dispose();
            _wait.Dispose();
        }

        private void OnCaptured(int firstPosition, int steps, ReadOnlySpan<float> values)
        {
            if (!_captureOn)
            {
                return;
            }
            if (_frame.Length < values.Length)
            {
                _frame = new float[values.Length];
            }
            values.CopyTo(_frame);
            _frameFirst = firstPosition;
            _frameSteps = steps;
        }

        /// <summary>Sends the captured frame (split when it exceeds the daemon's per-message limit), then waits for its verdict in lockstep.</summary>
        private async Task AfterForwardAsync(int lastStep, bool waitForVerdict = false)
        {
            if (!_captureOn || _frameSteps == 0 || _request.Connection is not { } connection)
            {
                Drain();
                return;
            }
            int width = _request.Plan.Count;
            int max = _request.Plan.MaxValuesPerMessage;
            int perMessage = max <= 0 ? _frameSteps : Math.Max(1, max / width);
            var activations = _frameMessage.Activations;
            for (int done = 0; done < _frameSteps; done += perMessage)
            {
                int steps = Math.Min(perMessage, _frameSteps - done);
                activations.FirstStep = (uint)(_frameFirst + done);
                activations.Steps = (uint)steps;
                activations.Values.Clear();
                var values = _frame.AsSpan(done * width, steps * width);
                for (int k = 0; k < values.Length; k++)
                {
                    activations.Values.Add(values[k]);
                }
                if (!await connection.SendAsync(_frameMessage).ConfigureAwait(false))
                {
                    LoseStream(lastStep);
                    return;
                }
            }
            _frameSteps = 0;
            if (_server._options.Lockstep || waitForVerdict)
            {
                await WaitForVerdictAsync(lastStep).ConfigureAwait(false);
            }
            else
            {
                Drain();
            }
        }

        private int ShadowCount()
        {
            var global = _server._global;
            int globalShadow = global is not null && ReferenceEquals(global.Plan, _request.Plan) ? global.ShadowCount : 0;
            return Math.Max(_request.ShadowCount, globalShadow);
        }

        /// <summary>Recomputes effective gains (global × request) when either changed; true when the applied set changed.</summary>
        private bool RefreshGains()
        {
            var global = _server._global;
            long globalVersion = global?.Version ?? 0;
            if (!_requestGainsDirty && globalVersion == _globalVersionApplied)
            {
                return false;
            }
            _requestGainsDirty = false;
            _globalVersionApplied = globalVersion;
            var g = global is not null && ReferenceEquals(global.Plan, _request.Plan) ? global.Gains : null;
            bool changed = false;
            int attenuated = 0;
            for (int s = 0; s < _effective.Length; s++)
            {
                float e = (g?[s] ?? 1f) * _request.RequestGains[s];
                if (e != _effective[s])
                {
                    _effective[s] = e;
                    changed = true;
                }
                if (e != 1f)
                {
                    attenuated++;
                }
            }
            if (!changed)
            {
                return false;
            }
            _attenuated = attenuated;
            var slots = _request.Plan.Slots;
            var list = new List<(NeuronId, float)>(attenuated);
            for (int s = 0; s < _effective.Length; s++)
            {
                if (_effective[s] != 1f)
                {
                    list.Add((slots[s], _effective[s]));
                }
            }
            _gainsHook.Gains = list.Count == 0 ? NeuronGains.None : new NeuronGains(list);
            return true;
        }

        /// <summary>Sends RequestEnd and waits (bounded) for the final verdict.</summary>
        private async Task EndAsync()
        {
            if (_request.Connection is not { } connection)
            {
                return;
            }
            if (!await connection.SendAsync(new ModelServerMessage { RequestEnd = new RequestEnd { RequestId = _request.Id } }).ConfigureAwait(false))
            {
                LoseStream(_session.Position - 1);
                return;
            }
            var deadline = DateTime.UtcNow + _server._options.VerdictTimeout;
            var reader = _request.Inbox.Reader;
            while (_request.FinalVerdict is null && _request.Connection is not null)
            {
                while (_request.FinalVerdict is null && reader.TryRead(out var message))
                {
                    Handle(message);
                }
                var remaining = deadline - DateTime.UtcNow;
                if (_request.FinalVerdict is not null || remaining <= TimeSpan.Zero || !await WaitToReadAsync(remaining).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
    }
}
