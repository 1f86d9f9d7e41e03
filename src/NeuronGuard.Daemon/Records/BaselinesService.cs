using System.Runtime.InteropServices;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Calibration;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using Grpc.Core;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// <c>neuronguard.v1.Baselines</c>: calibrates a baseline from streamed benign activations with the engine's
/// <see cref="BaselineBuilder"/> and <see cref="ThresholdCalibrator"/> (the same split and scoring as the offline
/// <c>neuronguard calibrate</c>), stores it in <see cref="BaselineFormat"/>, and activates baselines.
/// </summary>
public sealed partial class BaselinesService : Baselines.BaselinesBase
{
    private const float DefaultFalsePositiveRate = 0.01f;
    private const float DefaultHoldoutFraction = 0.2f;

    private readonly IStore _store;
    private readonly CatalogsService _catalogs;
    private readonly DetectorOptions _detectors;

    /// <param name="detectors">Detector settings; must match the ones scoring uses. Defaults to the engine's defaults.</param>
    public BaselinesService(IStore store, DetectorOptions? detectors = null)
    {
        _store = store;
        _catalogs = new CatalogsService(store);
        _detectors = detectors ?? new DetectorOptions();
    }

    public override async Task<BaselineInfo> Calibrate(IAsyncStreamReader<CalibrateMessage> requests, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requests.MoveNext(ct).ConfigureAwait(false) || requests.Current.KindCase != CalibrateMessage.KindOneofCase.Header)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, "the first Calibrate message must be the header (model_fingerprint, catalog_version, ...), then the frames.");
        }
        var header = requests.Current.Header;
        float fpr = header.FalsePositiveRate == 0 ? DefaultFalsePositiveRate : header.FalsePositiveRate;
        float holdout = header.HoldoutFraction == 0 ? DefaultHoldoutFraction : header.HoldoutFraction;
        if (!(fpr > 0 && fpr < 1) || !(holdout > 0 && holdout < 1))
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument,
                $"false_positive_rate ({header.FalsePositiveRate}) and holdout_fraction ({header.HoldoutFraction}) must lie in (0, 1), or be 0 for the defaults ({DefaultFalsePositiveRate}, {DefaultHoldoutFraction}).");
        }
        var catalog = await _catalogs.LoadAsync(header.ModelFingerprint, header.CatalogVersion, ct).ConfigureAwait(false);
        var layout = SlotLayout.From(catalog);
        var frames = new CalibrationFrames(layout.Count);
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            if (requests.Current.KindCase != CalibrateMessage.KindOneofCase.Frame)
            {
                throw RpcErrors.Create(StatusCode.InvalidArgument, "a second header arrived: send one header, then only frames.");
            }
            frames.Add(requests.Current.Frame);
        }

        var warnings = new List<string>();
        var baseline = Build(catalog, layout, frames, new CalibrationOptions { TargetFpr = fpr, HoldoutFraction = holdout }, warnings);
        if (warnings.Count > 0)
        {
            // BaselineInfo has no warnings field: the trailer carries them (ASCII, one line) for clients that print it.
            context.ResponseTrailers.Add("neuronguard-calibration-warnings", string.Join(" | ", warnings));
        }
        var bytes = BaselineFormat.Write(baseline);
        var actor = Authenticator.Caller(context);
        string version = await PutNewVersionAsync(header.ModelFingerprint, bytes, actor, ct).ConfigureAwait(false);
        if (header.Activate)
        {
            // A baseline for a catalog that is not active would leave new streams with 0 slots: activate the pair,
            // baseline first, then its catalog (issue 18 item 4).
            var active = await StoreStatus.Guard(() => _store.GetActiveAsync(header.ModelFingerprint, ct)).ConfigureAwait(false);
            await StoreStatus.Guard(async () =>
            {
                await _store.ActivateAsync(RecordKind.Baseline, header.ModelFingerprint, version, actor, ct).ConfigureAwait(false);
                if (active.CatalogVersion != catalog.Version)
                {
                    await _store.ActivateAsync(RecordKind.Catalog, header.ModelFingerprint, catalog.Version, actor, ct).ConfigureAwait(false);
                }
                return true;
            }).ConfigureAwait(false);
        }
        var info = Describe(baseline, header.ModelFingerprint, version, bytes.Length, header.Activate);
        info.Requests = (ulong)frames.Requests.Count;
        info.NeuronSteps = (ulong)frames.NeuronSteps;
        return info;
    }

    /// <summary>Statistics from the non-held-out requests, thresholds from scoring the held-out ones (as Offline's Calibrator).</summary>
    private Baseline Build(Engine.Catalogs.Catalog catalog, SlotLayout layout, CalibrationFrames frames, CalibrationOptions options, List<string> warnings)
    {
        var builder = new BaselineBuilder(layout, options, _detectors);
        var held = new List<CalibrationFrames.Request>();
        for (int i = 0; i < frames.Requests.Count; i++)
        {
            var request = frames.Requests[i];
            if (IsHoldout(i, options.HoldoutFraction))
            {
                held.Add(request);
            }
            else
            {
                builder.AddRequest(CollectionsMarshal.AsSpan(request.Values), request.Steps, PrefillRule.PromptSteps(request.Frames));
            }
        }
        if (held.Count == 0 || builder.Requests == 0)
        {
            throw RpcErrors.Create(StatusCode.FailedPrecondition,
                $"{frames.Requests.Count} request(s) are too few to calibrate with holdout fraction {options.HoldoutFraction}: " +
                "send more benign requests (at least one for statistics and one held out for thresholds; hundreds for useful thresholds).");
        }
        var stats = builder.Build(catalog.Model.Fingerprint, catalog.Version);
        var plan = MonitorPlan.Create(catalog, stats, _detectors, requireThresholds: false);
        var thresholds = new ThresholdCalibrator(plan);
        foreach (var request in held)
        {
            using var scorer = plan.Rent();
            int offset = 0;
            foreach (var (first, steps) in request.Frames)
            {
                int n = steps * layout.Count;
                var status = scorer.Feed(first, steps, CollectionsMarshal.AsSpan(request.Values).Slice(offset, n));
                if (status != FrameStatus.Ok)
                {
                    throw RpcErrors.Create(StatusCode.InvalidArgument, $"request '{request.Id}' frame at step {first} was refused by the scorer: {status}.");
                }
                offset += n;
            }
            thresholds.Add(scorer.Results);
        }
        var detectors = thresholds.Compute(options.TargetFpr);
        if (builder.ConstantWarning is { } constant)
        {
            warnings.Add(constant);
        }
        warnings.AddRange(thresholds.Warnings);
        return stats with { Detectors = detectors };
    }

    /// <summary>Request i is held out when ⌊(i + 1)·f⌋ &gt; ⌊i·f⌋: the rule of NeuronGuard.Offline's Calibrator, so both split alike.</summary>
    private static bool IsHoldout(int i, double fraction) => Math.Floor((i + 1) * fraction) > Math.Floor(i * fraction);

    private async Task<string> PutNewVersionAsync(string fingerprint, byte[] bytes, string actor, CancellationToken ct)
    {
        string stamp = StoreStatus.NewVersion();
        for (int attempt = 0; ; attempt++)
        {
            string version = attempt == 0 ? stamp : $"{stamp}-{attempt}";
            var outcome = await StoreStatus.Guard(() => _store.PutRecordAsync(RecordKind.Baseline, fingerprint, version, BaselineFormat.Version, bytes, actor, ct)).ConfigureAwait(false);
            if (outcome == PutOutcome.Created)
            {
                return version;
            }
        }
    }

    public override async Task<BaselineInfo> GetBaseline(GetBaselineRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        StoreStatus.RequireModel(request.ModelFingerprint);
        var active = await StoreStatus.Guard(() => _store.GetActiveAsync(request.ModelFingerprint, ct)).ConfigureAwait(false);
        string version = string.IsNullOrEmpty(request.Version)
            ? active.BaselineVersion ?? throw RpcErrors.Create(StatusCode.NotFound,
                $"model '{request.ModelFingerprint}' has no active baseline: calibrate one (Baselines.Calibrate with activate) or activate a stored version.")
            : request.Version;
        var record = await StoreStatus.Guard(() => _store.GetRecordAsync(RecordKind.Baseline, request.ModelFingerprint, version, ct)).ConfigureAwait(false)
            ?? throw RpcErrors.Create(StatusCode.NotFound, $"baseline '{version}' of model '{request.ModelFingerprint}' does not exist.");
        if (!BaselineFormat.Reads(record.Info.FormatVersion))
        {
            throw RpcErrors.Create(StatusCode.FailedPrecondition,
                $"baseline '{version}' is in format {record.Info.FormatVersion}; this daemon reads format {BaselineFormat.Version}: upgrade NeuronGuard or recalibrate.");
        }
        Baseline baseline;
        try
        {
            baseline = BaselineFormat.Read(record.Payload.Span);
        }
        catch (BaselineFormatException e)
        {
            throw RpcErrors.Create(StatusCode.DataLoss, $"baseline '{version}' of model '{request.ModelFingerprint}' is stored but unreadable: {e.Message}");
        }
        // The binary format does not keep how many requests built it; requests and neuron_steps stay 0 here.
        return Describe(baseline, request.ModelFingerprint, version, record.Payload.Length, active.BaselineVersion == version);
    }

    public override async Task<ActivateBaselineResponse> ActivateBaseline(ActivateBaselineRequest request, ServerCallContext context)
    {
        StoreStatus.RequireModel(request.ModelFingerprint);
        if (string.IsNullOrEmpty(request.Version))
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, "version is empty: name the baseline version to activate.");
        }
        var previous = await StoreStatus.Guard(() => _store.GetActiveAsync(request.ModelFingerprint, context.CancellationToken)).ConfigureAwait(false);
        await new ActivationPairs(_store).RequireBaselineFitsAsync(request.ModelFingerprint, request.Version, previous, context.CancellationToken).ConfigureAwait(false);
        await StoreStatus.Guard(async () =>
        {
            await _store.ActivateAsync(RecordKind.Baseline, request.ModelFingerprint, request.Version, Authenticator.Caller(context), context.CancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return new ActivateBaselineResponse { PreviousVersion = previous.BaselineVersion ?? "" };
    }

    private static BaselineInfo Describe(Baseline baseline, string fingerprint, string version, long size, bool active)
    {
        var info = new BaselineInfo
        {
            ModelFingerprint = fingerprint,
            CatalogVersion = baseline.CatalogVersion,
            Version = version,
            Bins = (uint)baseline.Bins,
            CoverageMass = baseline.MassThreshold,
            SizeBytes = (ulong)size,
            Active = active,
        };
        foreach (var d in baseline.Detectors)
        {
            info.Thresholds[d.Name] = d.Threshold;
        }
        return info;
    }
}
