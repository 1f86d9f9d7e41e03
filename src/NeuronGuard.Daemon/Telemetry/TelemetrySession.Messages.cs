using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Engine.Scoring;
using Grpc.Core;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// The model server's messages, one handler each. Every bad input is a per-request StreamError and none ends the
/// stream, an undecodable message included (only <see cref="MaxUndecodableInARow"/> of them in a row do).
/// </summary>
public sealed partial class TelemetrySession
{
    private void Handle(ModelServerMessage message, long received)
    {
        if (TelemetryMethod.IsUndecodable(message, out var failure))
        {
            OnUndecodable(failure);
            return;
        }
        _undecodableInARow = 0;
        switch (message.KindCase)
        {
            case ModelServerMessage.KindOneofCase.Hello:
                OnHello(message.Hello);
                break;
            case ModelServerMessage.KindOneofCase.RequestStart:
                OnRequestStart(message.RequestStart);
                break;
            case ModelServerMessage.KindOneofCase.Activations:
                OnActivations(message.Activations, received);
                break;
            case ModelServerMessage.KindOneofCase.RequestEnd:
                OnRequestEnd(message.RequestEnd);
                break;
            case ModelServerMessage.KindOneofCase.PolicyAck:
                AckedVersion = (long)message.PolicyAck.Version;
                if (ServerId is not null)
                {
                    _ctx.Metrics.ModelServerPolicyVersion(ServerId, AckedVersion);
                }
                break;
            default:
                _writer.SendError("", StatusCode.InvalidArgument, "other", "empty ModelServerMessage: set one of hello, request_start, activations, request_end, policy_ack.");
                break;
        }
    }

    /// <summary>
    /// A well-framed message that did not decode (<see cref="TelemetryMethod"/>): answered with INVALID_ARGUMENT naming
    /// the request when its id could still be read (and is an acceptable id), and otherwise ignored.
    /// </summary>
    private void OnUndecodable(UndecodableMessage message)
    {
        _undecodableInARow++;
        string id = MessageLimits.CheckId("request_id", message.RequestId) is null ? message.RequestId : "";
        string what = message.Kind.Length > 0 ? $"a {message.Kind} message" : "a message";
        string effect = message.Kind switch
        {
            "RequestStart" => " The request was not started.",
            "Activations" => " The frame was ignored; the request continues and still expects the same step.",
            "RequestEnd" => " The request is still open.",
            _ => " It was ignored.",
        };
        _writer.SendError(id, StatusCode.InvalidArgument, "undecodable",
            $"{what} on this stream could not be decoded ({message.Problem}): send valid protobuf with UTF-8 strings.{effect}");
    }

    private void OnHello(Hello hello)
    {
        if (string.IsNullOrWhiteSpace(hello.ModelFingerprint))
        {
            _writer.SendError("", StatusCode.InvalidArgument, "other", "Hello.model_fingerprint is empty: send the fingerprint of the served model's weights.");
            return;
        }
        if ((MessageLimits.CheckId("Hello.model_fingerprint", hello.ModelFingerprint)
            ?? MessageLimits.CheckId("Hello.server_id", hello.ServerId)
            ?? MessageLimits.CheckId("Hello.model_id", hello.ModelId)
            ?? MessageLimits.CheckId("Hello.catalog_version", hello.CatalogVersion)) is { } helloProblem)
        {
            _writer.SendError("", StatusCode.InvalidArgument, "other", helloProblem + " The Hello was ignored.");
            return;
        }
        if (_fingerprint is null)
        {
            _fingerprint = hello.ModelFingerprint;
            ServerId = string.IsNullOrWhiteSpace(hello.ServerId) ? _call.Peer : hello.ServerId;
            ModelId = hello.ModelId;
            Source = new VerdictSource(ServerId, ModelId, _fingerprint, ModelNames.Of(_ctx.Sync, _fingerprint));
            _ctx.Plans.Alias(_fingerprint, hello.LegacyFingerprint); // fingerprint transition (ModelPlans.Alias)
            _plan = _ctx.Plans.Get(_fingerprint);
            _policy = _ctx.Policy.Current;
            _ctx.Sessions.Add(this);
            _ctx.Metrics.ModelServerConnected(ServerId);
            _writer.Send(new DaemonMessage { Welcome = Welcome(_plan) });
            LogConnected(_log, ServerId, _fingerprint, _plan.Plan?.Slots.Count ?? 0, _plan.CatalogVersion, _plan.BaselineVersion);
            if (_plan.Problem is { } problem)
            {
                LogNoPlan(_log, ServerId, problem);
                _writer.SendError("", _plan.Expected ? StatusCode.FailedPrecondition : StatusCode.NotFound, _plan.Expected ? "no_plan" : "unknown_model", problem);
            }
            return;
        }
        if (!string.Equals(hello.ModelFingerprint, _fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            _writer.SendError("", StatusCode.InvalidArgument, "fingerprint_mismatch",
                $"this stream said Hello for model {_fingerprint}; a stream serves one model, so Hello for {hello.ModelFingerprint} is refused: open another stream for it.");
            return;
        }
        // A re-Hello acknowledges a Welcome: requests started from now on use its slots.
        if (_pending is not null && hello.CatalogVersion == _pending.CatalogVersion)
        {
            _plan = _pending;
            _pending = null;
        }
        else if (hello.CatalogVersion.Length > 0 && hello.CatalogVersion != _plan!.CatalogVersion)
        {
            _writer.SendError("", StatusCode.FailedPrecondition, "other",
                $"Hello names catalog version '{hello.CatalogVersion}' but this daemon sent '{_pending?.CatalogVersion ?? _plan.CatalogVersion}': capture the slots of the last Welcome and say Hello with its catalog_version.");
        }
    }

    private void OnRequestStart(RequestStart start)
    {
        if (_plan is null)
        {
            _writer.SendError(start.RequestId, StatusCode.FailedPrecondition, "no_hello", "RequestStart before Hello: send Hello first and wait for Welcome.");
            return;
        }
        if (string.IsNullOrEmpty(start.RequestId))
        {
            _writer.SendError("", StatusCode.InvalidArgument, "other", "RequestStart.request_id is empty: give every request an id unique on this stream.");
            return;
        }
        if (MessageLimits.CheckId("RequestStart.request_id", start.RequestId) is { } idProblem)
        {
            // Not echoed back: an oversized or mangled id is exactly what must not be kept or repeated.
            _writer.SendError("", StatusCode.InvalidArgument, "other", idProblem + " The request was not started.");
            return;
        }
        if ((MessageLimits.CheckId("RequestStart.tenant", start.Tenant, MessageLimits.MaxTenantLength)
            ?? MessageLimits.CheckLabels(start.Labels)) is { } startProblem)
        {
            _writer.SendError(start.RequestId, StatusCode.InvalidArgument, "other", startProblem + " The request was not started.");
            return;
        }
        if (_requests.ContainsKey(start.RequestId))
        {
            _writer.SendError(start.RequestId, StatusCode.AlreadyExists, "duplicate_request",
                $"request '{start.RequestId}' is already open on this stream: end it (RequestEnd) before reusing its id. The open request is unaffected.");
            return;
        }
        if (_requests.Count >= _ctx.Telemetry.MaxRequestsPerStream)
        {
            _writer.SendError(start.RequestId, StatusCode.ResourceExhausted, "too_large",
                $"this stream already has {_requests.Count} open requests (Telemetry:MaxRequestsPerStream): end some, or spread requests over more streams.");
            return;
        }
        var request = new LiveRequest(start.RequestId, start.Tenant, start.Labels, _plan, _plan.Plan?.Rent());
        _requests.Add(request.Id, request);
        if (_ctx.History.Enabled)
        {
            request.Trace = new RequestTrace(request.Id, Source!, request.Tenant, request.Labels, _plan.DetectorKinds, _ctx.Time.GetUtcNow(), _ctx.History.MaxStepsPerRequest)
            {
                Explanations = request.Plan.Explanations,
            };
            _ctx.History.Add(request.Trace);
        }
        _ctx.Metrics.ForTenant(request.Tenant).RequestStarted();
        _ctx.Metrics.ActiveRequests(1);
        UpdateMitigation(request);
    }

    private void OnActivations(Activations frame, long received)
    {
        if (!_requests.TryGetValue(frame.RequestId, out var request))
        {
            _writer.SendError(frame.RequestId, StatusCode.NotFound, "unknown_request",
                $"Activations for unknown request '{frame.RequestId}': send RequestStart first (or the request already ended).");
            return;
        }
        if (request.Aborted)
        {
            return; // frames already in flight when the Abort went out
        }
        if (request.Scorer is not { } scorer)
        {
            _writer.SendError(frame.RequestId, StatusCode.FailedPrecondition, "no_plan",
                request.Plan.Problem ?? "the request started without monitored slots: send no Activations for it.");
            return;
        }
        int count = frame.Values.Count;
        if (count > _ctx.Telemetry.MaxValuesPerMessage)
        {
            _writer.SendError(frame.RequestId, StatusCode.ResourceExhausted, "too_large",
                $"Activations carries {count} values; at most {_ctx.Telemetry.MaxValuesPerMessage} per message (Welcome.max_values_per_message): split the steps over several messages.");
            return;
        }
        if (_values.Length < count)
        {
            _values = new float[Math.Max(count, _values.Length * 2)];
        }
        frame.Values.CopyTo(_values, 0);
        var values = _values.AsSpan(0, count);
        var status = scorer.Feed((int)frame.FirstStep, (int)frame.Steps, values);
        if (status != FrameStatus.Ok)
        {
            RejectFrame(frame, request, status, values);
            return;
        }
        request.Frames++;
        var metrics = _ctx.Metrics.ForTenant(request.Tenant);
        metrics.Frame((int)frame.Steps, count);
        var lastRow = values[(count - request.Plan.Plan!.Slots.Count)..];
        foreach (var w in request.Plan.Watched)
        {
            w.Metrics.Observe(lastRow[w.Slot]);
        }
        bool newlyFlagged = CheckFlags(request, scorer);
        // Per-frame verdicts come from a pool and go back to it once written, unless something else keeps a
        // reference (the flag log, a watcher). Top neurons ride on the verdict where a detector first flags.
        bool shared = newlyFlagged || _ctx.Feed.HasWatchers;
        var message = _writer.RentVerdict(shared);
        var verdict = _writer.Fill(message.Verdict, request, scorer, final: false, withTopNeurons: newlyFlagged);
        request.Trace?.Record(verdict); // copied: a pooled verdict is reused once written
        if (newlyFlagged)
        {
            OnFirstFlags(request, verdict);
            request.Trace?.FirstFlagged(verdict); // never pooled: a flagging frame's verdict is shared
        }
        if (_ctx.Feed.HasWatchers)
        {
            _ctx.Feed.Publish(Source!, request.Tenant, request.Plan.Explanations.Explained(verdict));
        }
        _writer.SendVerdict(message, received, recycle: !shared);
    }

    private void RejectFrame(Activations frame, LiveRequest request, FrameStatus status, ReadOnlySpan<float> values)
    {
        int slots = request.Plan.Plan!.Slots.Count;
        switch (status)
        {
            case FrameStatus.WrongLength:
                _writer.SendError(frame.RequestId, StatusCode.InvalidArgument, "wrong_length",
                    $"Activations has {values.Length} values but steps × slots = {frame.Steps} × {slots} = {(long)frame.Steps * slots}: pack every slot of the Welcome for each step (steps ≥ 1). The frame was ignored.");
                break;
            case FrameStatus.OutOfOrder:
                _writer.SendError(frame.RequestId, StatusCode.OutOfRange, "out_of_order",
                    $"Activations.first_step is {frame.FirstStep} but request '{frame.RequestId}' expects step {request.Scorer!.NextStep} next: send steps in order without gaps or repeats. The frame was ignored.");
                break;
            default:
                int bad = IndexOfNonFinite(values);
                var neuron = request.Plan.Plan.Slots[bad % slots];
                _writer.SendError(frame.RequestId, StatusCode.InvalidArgument, "non_finite",
                    $"Activations value {values[bad]} at step {frame.FirstStep + bad / slots}, slot {bad % slots} (layer {neuron.Layer}, neuron {neuron.Index}) is not finite: the frame was ignored. Check the model server's capture (overflow in fp16?).");
                break;
        }
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }
        return 0;
    }

    private void OnRequestEnd(RequestEnd end)
    {
        if (!_requests.Remove(end.RequestId, out var request))
        {
            _writer.SendError(end.RequestId, StatusCode.NotFound, "unknown_request",
                $"RequestEnd for unknown request '{end.RequestId}': it was never started on this stream or already ended.");
            return;
        }
        var metrics = _ctx.Metrics.ForTenant(request.Tenant);
        if (request.Scorer is { } scorer)
        {
            var verdict = _writer.Fill(new Verdict(), request, scorer, final: true, withTopNeurons: true);
            foreach (var s in verdict.Scores)
            {
                metrics.Score(Labels.Detector(s.Detector), s.Score, s.Threshold, s.Flagged ? request.Id : null);
            }
            if (_ctx.Feed.HasWatchers)
            {
                _ctx.Feed.Publish(Source!, request.Tenant, request.Plan.Explanations.Explained(verdict));
            }
            _writer.Send(new DaemonMessage { Verdict = verdict });
            request.Trace?.End(verdict, _ctx.Time.GetUtcNow());
            ObserveIntegrity(request);
            scorer.Dispose();
        }
        else
        {
            request.Trace?.End(null, _ctx.Time.GetUtcNow());
        }
        CountEnded(request);
        metrics.RequestEnded(request.Aborted ? "aborted" : request.AnyFlagged ? "flagged" : "clean");
        _ctx.Metrics.ActiveRequests(-1);
    }

    /// <summary>GetOverview's counters: one ended request, with the detectors that flagged it (each kind once).</summary>
    private void CountEnded(LiveRequest request)
    {
        ulong flaggedBy = 0;
        var kinds = request.Plan.DetectorKinds;
        for (int i = 0; i < request.Flagged.Length && i < kinds.Length; i++)
        {
            if (request.Flagged[i])
            {
                flaggedBy |= DaemonCounters.Bit(kinds[i]);
            }
        }
        _ctx.Counters.RequestEnded(request.Frames, request.AnyFlagged, flaggedBy);
    }

    /// <summary>Feeds the cross-request integrity alarm with this request's outcome, per safety set.</summary>
    private void ObserveIntegrity(LiveRequest request)
    {
        var plan = request.Plan.Plan!;
        if (request.Scorer!.NextStep < plan.Options.IntegrityMinSteps)
        {
            return; // too short for the detector to judge: neither evidence for nor against
        }
        var detectors = plan.Detectors;
        for (int i = 0; i < detectors.Count; i++)
        {
            if (detectors[i].Kind == Engine.Detectors.DetectorKind.Integrity)
            {
                _ctx.Integrity.Observe(detectors[i].Set?.Name ?? "", request.Flagged[i]);
            }
        }
    }

    /// <summary>The sets of the model's catalog, for the default policy entries the Welcome and PolicyUpdate show.</summary>
    private static IEnumerable<(string, Engine.Catalogs.NeuronSetKind)> PlanSets(ModelPlan? plan) =>
        plan?.Plan?.Layout.Sets.Select(s => (s.Name, s.Kind)) ?? [];

    private Welcome Welcome(ModelPlan plan)
    {
        var welcome = new Welcome
        {
            CatalogVersion = plan.CatalogVersion,
            BaselineVersion = plan.BaselineVersion,
            Policy = _policy.ToProto(PlanSets(plan)),
            MaxValuesPerMessage = (uint)_ctx.Telemetry.MaxValuesPerMessage,
        };
        if (plan.Plan is { } p)
        {
            foreach (var n in p.Slots)
            {
                welcome.Slots.Add(new NeuronRef { Layer = (uint)n.Layer, Index = (uint)n.Index });
            }
        }
        return welcome;
    }
}
