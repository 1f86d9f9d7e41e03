using NeuronGuard.Api.V1;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>One request's inbox: waiting for verdicts in lockstep and applying what the daemon sends meanwhile.</summary>
public sealed partial class TelemetryModelServer
{
    private sealed partial class RequestRun
    {
        /// <summary>Handles inbox messages until the verdict for <paramref name="step"/> (or an error, abort, disconnect, timeout).</summary>
        private async Task WaitForVerdictAsync(int step)
        {
            var deadline = DateTime.UtcNow + _server._options.VerdictTimeout;
            var reader = _request.Inbox.Reader;
            while (true)
            {
                while (reader.TryRead(out var message))
                {
                    Handle(message);
                    if (message is null
                        || (message.KindCase == DaemonMessage.KindOneofCase.Verdict && !message.Verdict.Final && message.Verdict.Step >= step)
                        || message.KindCase is DaemonMessage.KindOneofCase.Error or DaemonMessage.KindOneofCase.Abort)
                    {
                        return;
                    }
                }
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero || !await WaitToReadAsync(remaining).ConfigureAwait(false))
                {
                    _verdictTimeouts++;
                    return;
                }
            }
        }

        private async Task<bool> WaitToReadAsync(TimeSpan timeout)
        {
            if (!_wait.TryReset())
            {
                _wait.Dispose();
                _wait = new CancellationTokenSource();
            }
            _wait.CancelAfter(timeout);
            try
            {
                return await _request.Inbox.Reader.WaitToReadAsync(_wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private void Drain()
        {
            while (_request.Inbox.Reader.TryRead(out var message))
            {
                Handle(message);
            }
        }

        private void Handle(DaemonMessage? message)
        {
            if (message is null)
            {
                LoseStream(_session.Position - 1);
                return;
            }
            switch (message.KindCase)
            {
                case DaemonMessage.KindOneofCase.Verdict when message.Verdict.Final:
                    _request.FinalVerdict = message.Verdict;
                    break;
                case DaemonMessage.KindOneofCase.Verdict:
                    if (_request.LatestVerdict is null || message.Verdict.Step >= _request.LatestVerdict.Step)
                    {
                        _request.LatestVerdict = message.Verdict;
                    }
                    break;
                case DaemonMessage.KindOneofCase.Attenuate when message.Attenuate.Shadow:
                    _request.ShadowCount = CountChanged(message.Attenuate, _request.Plan.Count);
                    break;
                case DaemonMessage.KindOneofCase.Attenuate:
                    Fill(message.Attenuate, _request.RequestGains);
                    _requestGainsDirty = true;
                    break;
                case DaemonMessage.KindOneofCase.MaskAttention when !message.MaskAttention.Shadow:
                    Mask(message.MaskAttention);
                    break;
                case DaemonMessage.KindOneofCase.Abort:
                    _request.AbortReason = message.Abort.Reason.Length > 0 ? message.Abort.Reason : "aborted by the daemon (no reason given)";
                    break;
                case DaemonMessage.KindOneofCase.Error:
                    _request.Errors.Add($"daemon error {message.Error.Code}: {message.Error.Message}");
                    break;
            }
        }

        /// <summary>
        /// Adds the positions to the request's mask (applied from the next pass, by re-running the sequence). A position
        /// this request has not reached is an error in the daemon's message: it is reported in the result and ignored.
        /// </summary>
        private void Mask(MaskAttention mask)
        {
            foreach (uint p in mask.Positions)
            {
                if (p >= (uint)_session.Position)
                {
                    _request.Errors.Add($"MaskAttention named position {p} but the request has {_session.Position} positions (0..{_session.Position - 1}); that position was ignored.");
                }
                else if (_request.MaskedPositions.Add((int)p))
                {
                    _maskDirty = true;
                }
            }
        }

        private void LoseStream(int step)
        {
            if (_request.Connection is null)
            {
                return;
            }
            _request.Connection = null;
            _captureOn = false;
            _monitored = false;
            _request.Errors.Add($"the Telemetry stream to the daemon broke at step {Math.Max(0, step)}; the rest of the request ran unmonitored with the gains it had.");
        }
    }
}
