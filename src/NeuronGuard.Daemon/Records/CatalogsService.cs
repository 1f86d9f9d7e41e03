using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Engine.Catalogs;
using Grpc.Core;
using NeuronGuard.Storage;
using EngineCatalog = NeuronGuard.Engine.Catalogs.Catalog;
using ProtoCatalog = NeuronGuard.Api.V1.Catalog;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// <c>neuronguard.v1.Catalogs</c>: catalogs stored as catalog JSON records (format <see cref="EngineCatalog.CurrentFormat"/>)
/// in the store, validated before they are written, activated by switching the model's pointer.
/// </summary>
public sealed class CatalogsService : Catalogs.CatalogsBase
{
    private readonly IStore _store;
    private readonly KnownShapes? _shapes;

    /// <param name="shapes">Real model shapes the daemon knows (the built-in host's): catalogs for them are checked against them.</param>
    public CatalogsService(IStore store, KnownShapes? shapes = null)
    {
        _store = store;
        _shapes = shapes;
    }

    /// <summary>Reads and decodes one catalog version; null version = the active one. Throws RpcException.</summary>
    public async Task<EngineCatalog> LoadAsync(string fingerprint, string? version, CancellationToken cancellationToken)
    {
        StoreStatus.RequireModel(fingerprint);
        if (string.IsNullOrEmpty(version))
        {
            var active = await StoreStatus.Guard(() => _store.GetActiveAsync(fingerprint, cancellationToken)).ConfigureAwait(false);
            version = active.CatalogVersion ?? throw RpcErrors.Create(StatusCode.NotFound,
                $"model '{fingerprint}' has no active catalog: put one and activate it (`neuronguard ctl catalog put FILE` then `catalog activate`).");
        }
        var record = await StoreStatus.Guard(() => _store.GetRecordAsync(RecordKind.Catalog, fingerprint, version, cancellationToken)).ConfigureAwait(false)
            ?? throw RpcErrors.Create(StatusCode.NotFound, $"catalog '{version}' of model '{fingerprint}' does not exist: list versions with `neuronguard ctl catalog list --model {fingerprint}`.");
        if (record.Info.FormatVersion != EngineCatalog.CurrentFormat)
        {
            throw RpcErrors.Create(StatusCode.FailedPrecondition,
                $"catalog '{version}' of model '{fingerprint}' is in format {record.Info.FormatVersion}; this daemon reads format {EngineCatalog.CurrentFormat}: upgrade NeuronGuard or re-put the catalog.");
        }
        try
        {
            return CatalogJson.Parse(record.Payload.Span);
        }
        catch (CatalogException e)
        {
            throw RpcErrors.Create(StatusCode.DataLoss, $"catalog '{version}' of model '{fingerprint}' is stored but unreadable: {e.Message}");
        }
    }

    public override async Task<PutCatalogResponse> PutCatalog(PutCatalogRequest request, ServerCallContext context)
    {
        if (request.Catalog is null)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, "catalog is missing: send the catalog to store.");
        }
        var proto = request.Catalog.Clone();
        if (string.IsNullOrEmpty(proto.Version))
        {
            proto.Version = StoreStatus.NewVersion();
        }
        var problems = new List<string>();
        var catalog = CatalogMapping.ToEngine(proto, problems);
        problems.AddRange(CatalogValidator.Check(catalog, _shapes?.Get(catalog.Model.Fingerprint)));
        if (problems.Count > 0)
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, problems.Count == 1
                ? $"the catalog is invalid: {problems[0]}"
                : $"the catalog has {problems.Count} problems:\n- {string.Join("\n- ", problems)}");
        }
        var payload = CatalogJson.Serialize(catalog);
        var fingerprint = catalog.Model.Fingerprint;
        var outcome = await StoreStatus.Guard(() => _store.PutRecordAsync(RecordKind.Catalog, fingerprint, catalog.Version,
            EngineCatalog.CurrentFormat, payload, Authenticator.Caller(context), context.CancellationToken)).ConfigureAwait(false);
        if (outcome == PutOutcome.AlreadyExists)
        {
            // Records are immutable; the same content again (a retry after a lost answer) is fine, other content is not.
            var existing = await StoreStatus.Guard(() => _store.GetRecordAsync(RecordKind.Catalog, fingerprint, catalog.Version, context.CancellationToken)).ConfigureAwait(false);
            if (existing is null || !existing.Payload.Span.SequenceEqual(payload))
            {
                throw RpcErrors.Create(StatusCode.AlreadyExists,
                    $"catalog '{catalog.Version}' of model '{fingerprint}' already exists with other content: versions are immutable, give the catalog a new version.");
            }
        }
        return new PutCatalogResponse { Version = catalog.Version };
    }

    public override async Task<ProtoCatalog> GetCatalog(GetCatalogRequest request, ServerCallContext context) =>
        CatalogMapping.ToProto(await LoadAsync(request.ModelFingerprint, request.Version, context.CancellationToken).ConfigureAwait(false));

    public override async Task<ListCatalogsResponse> ListCatalogs(ListCatalogsRequest request, ServerCallContext context)
    {
        StoreStatus.RequireModel(request.ModelFingerprint);
        var records = await StoreStatus.Guard(() => _store.ListRecordsAsync(RecordKind.Catalog, request.ModelFingerprint, context.CancellationToken)).ConfigureAwait(false);
        var active = await StoreStatus.Guard(() => _store.GetActiveAsync(request.ModelFingerprint, context.CancellationToken)).ConfigureAwait(false);
        var response = new ListCatalogsResponse { ActiveVersion = active.CatalogVersion ?? "" };
        response.Versions.AddRange(records.Select(r => r.Version));
        return response;
    }

    public override async Task<ActivateCatalogResponse> ActivateCatalog(ActivateCatalogRequest request, ServerCallContext context)
    {
        StoreStatus.RequireModel(request.ModelFingerprint);
        if (string.IsNullOrEmpty(request.Version))
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, "version is empty: name the catalog version to activate.");
        }
        if (_shapes?.Get(request.ModelFingerprint) is not null
            && _shapes.Problem(await LoadAsync(request.ModelFingerprint, request.Version, context.CancellationToken).ConfigureAwait(false)) is { } misfit)
        {
            throw RpcErrors.Create(StatusCode.FailedPrecondition, $"catalog '{request.Version}' does not fit the model this daemon serves: {misfit}");
        }
        var previous = await StoreStatus.Guard(() => _store.GetActiveAsync(request.ModelFingerprint, context.CancellationToken)).ConfigureAwait(false);
        // Catalog and baseline switch as a pair: never leave new streams with 0 slots (issue 18 item 4).
        string? baseline = await new ActivationPairs(_store).BaselineForCatalogAsync(request.ModelFingerprint, request.Version, previous, context.CancellationToken).ConfigureAwait(false);
        await StoreStatus.Guard(async () =>
        {
            if (baseline is not null)
            {
                await _store.ActivateAsync(RecordKind.Baseline, request.ModelFingerprint, baseline, Authenticator.Caller(context), context.CancellationToken).ConfigureAwait(false);
            }
            await _store.ActivateAsync(RecordKind.Catalog, request.ModelFingerprint, request.Version, Authenticator.Caller(context), context.CancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return new ActivateCatalogResponse { PreviousVersion = previous.CatalogVersion ?? "" };
    }
}
