using Grpc.Core;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// <c>Baselines.PutBaseline</c> and <c>ListBaselines</c>: a baseline file written by the offline
/// <c>neuronguard calibrate</c> is uploaded as it is, after the daemon checked that it binds to the catalog it names
/// (the same check scoring makes), so a bad file is refused at upload and never at a model server's connect.
/// </summary>
public sealed partial class BaselinesService
{
    public override async Task<BaselineInfo> PutBaseline(PutBaselineRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (request.Baseline.IsEmpty)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, "baseline is empty: send the bytes of a baseline file (`neuronguard calibrate --out FILE`).");
        }
        Baseline baseline;
        try
        {
            baseline = BaselineFormat.Read(request.Baseline.Span);
        }
        catch (BaselineFormatException e)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, $"the baseline file is not readable: {e.Message}");
        }
        var catalog = await _catalogs.LoadAsync(baseline.Fingerprint, baseline.CatalogVersion, ct).ConfigureAwait(false);
        try
        {
            _ = MonitorPlan.Create(catalog, baseline, _detectors);
        }
        catch (MonitorPlanException e)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, $"the baseline does not fit catalog '{catalog.Version}': {e.Message}");
        }

        var bytes = request.Baseline.Memory;
        var actor = Authenticator.Caller(context);
        string version;
        if (string.IsNullOrEmpty(request.Version))
        {
            version = await PutNewVersionAsync(baseline.Fingerprint, bytes.ToArray(), actor, ct).ConfigureAwait(false);
        }
        else
        {
            version = request.Version;
            var outcome = await StoreStatus.Guard(() => _store.PutRecordAsync(RecordKind.Baseline, baseline.Fingerprint, version, BaselineFormat.Version, bytes, actor, ct)).ConfigureAwait(false);
            if (outcome == PutOutcome.AlreadyExists)
            {
                // Records are immutable; the same bytes again (a retry after a lost answer) are fine, other bytes are not.
                var existing = await StoreStatus.Guard(() => _store.GetRecordAsync(RecordKind.Baseline, baseline.Fingerprint, version, ct)).ConfigureAwait(false);
                if (existing is null || !existing.Payload.Span.SequenceEqual(bytes.Span))
                {
                    throw RpcErrors.Create(StatusCode.AlreadyExists,
                        $"baseline '{version}' of model '{baseline.Fingerprint}' already exists with other content: versions are immutable, give the baseline a new version.");
                }
            }
        }
        var active = await StoreStatus.Guard(() => _store.GetActiveAsync(baseline.Fingerprint, ct)).ConfigureAwait(false);
        return Describe(baseline, baseline.Fingerprint, version, bytes.Length, active.BaselineVersion == version);
    }

    public override async Task<ListBaselinesResponse> ListBaselines(ListBaselinesRequest request, ServerCallContext context)
    {
        StoreStatus.RequireModel(request.ModelFingerprint);
        var records = await StoreStatus.Guard(() => _store.ListRecordsAsync(RecordKind.Baseline, request.ModelFingerprint, context.CancellationToken)).ConfigureAwait(false);
        var active = await StoreStatus.Guard(() => _store.GetActiveAsync(request.ModelFingerprint, context.CancellationToken)).ConfigureAwait(false);
        var response = new ListBaselinesResponse { ActiveVersion = active.BaselineVersion ?? "" };
        response.Versions.AddRange(records.Select(r => r.Version));
        return response;
    }
}
