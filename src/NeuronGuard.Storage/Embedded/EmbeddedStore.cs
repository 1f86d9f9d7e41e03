using NeuronGuard.Storage.Internal;

namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// The default store: one process, files under one directory, laid out like the Redis keys
/// (<c>models/{fingerprint}/{kind}/{version}.ngr</c> and <c>state.json</c>). Every acknowledged write has been
/// written to a temporary file, fsynced and renamed into place, so kill -9 at any point loses nothing acknowledged.
/// Notifications are in-process.
/// </summary>
internal sealed class EmbeddedStore : IStore
{
    private readonly string _root;
    private readonly EmbeddedStoreOptions _options;
    private readonly DirectoryLock _lock;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ChangeHandlers _handlers = new();
    private EmbeddedState _state; // replaced, never mutated, once published: readers need no lock
    private bool _marked; // under _writeGate: the data marker exists

    public EmbeddedStore(string directory, EmbeddedStoreOptions options)
    {
        if (options.AuditCap < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.AuditCap, "AuditCap must be at least 1");
        }
        _root = Path.GetFullPath(directory);
        _options = options;
        _lock = DirectoryLock.Acquire(_root);
        try
        {
            AtomicFile.DeleteLeftovers(_root);
            var statePath = StatePath;
            _state = File.Exists(statePath) ? EmbeddedState.Deserialize(File.ReadAllBytes(statePath), statePath) : new EmbeddedState();
            _marked = File.Exists(MarkerPath);
            OpenWarning = File.Exists(statePath) ? null : DataMarker.MissingStateWarning(_root, statePath, _marked);
        }
        catch
        {
            // A refused directory must not stay locked for the rest of the process (a test, or a retry after a fix).
            _lock.Dispose();
            throw;
        }
    }

    /// <summary>Set when state.json is missing from a directory that held data: the store starts empty, and says so once.</summary>
    public string? OpenWarning { get; }

    public string Description => $"embedded store at {_root}";

    public bool IsAvailable => true;

    public event Action<bool>? AvailabilityChanged { add { } remove { } }

    private string StatePath => Path.Combine(_root, "state.json");

    private string MarkerPath => Path.Combine(_root, DataMarker.FileName);

    private string RecordPath(RecordKind kind, string fingerprint, string version) =>
        Path.Combine(_root, "models", fingerprint, kind.Name(), version + ".ngr");

    public async Task<PutOutcome> PutRecordAsync(RecordKind kind, string fingerprint, string version, int formatVersion,
        ReadOnlyMemory<byte> payload, string actor, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        StoreNames.Validate(version, "version");
        StoreNames.ValidateActor(actor);
        var blob = RecordEnvelope.Encode(kind, fingerprint, version, formatVersion, DateTimeOffset.UtcNow, actor, payload.Span);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!AtomicFile.Write(RecordPath(kind, fingerprint, version), blob, _options.Durable, overwrite: false))
            {
                return PutOutcome.AlreadyExists;
            }
            var next = _state.Clone();
            next.AddAudit(new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.RecordPut, $"{kind.Name()}/{fingerprint}", version,
                $"{payload.Length} bytes, format {formatVersion}"), _options.AuditCap);
            Commit(next);
            return PutOutcome.Created;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<StoredRecord?> GetRecordAsync(RecordKind kind, string fingerprint, string version, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        StoreNames.Validate(version, "version");
        var path = RecordPath(kind, fingerprint, version);
        byte[] blob;
        try
        {
            blob = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        return RecordEnvelope.Decode(blob, kind, fingerprint, version, $"{kind.Name()} '{version}' of model '{fingerprint}' in {path}");
    }

    public Task<IReadOnlyList<RecordInfo>> ListRecordsAsync(RecordKind kind, string fingerprint, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        var directory = Path.Combine(_root, "models", fingerprint, kind.Name());
        var infos = new List<RecordInfo>();
        if (Directory.Exists(directory))
        {
            var header = new byte[RecordEnvelope.MaxHeaderSize];
            foreach (var path in Directory.EnumerateFiles(directory, "*.ngr"))
            {
                using var stream = File.OpenRead(path);
                var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
                infos.Add(RecordEnvelope.ReadHeader(header.AsSpan(0, read), path, out _));
            }
        }
        return Task.FromResult<IReadOnlyList<RecordInfo>>(infos.OrderBy(i => i.CreatedAt).ThenBy(i => i.Version, StringComparer.Ordinal).ToList());
    }

    public Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var models = Path.Combine(_root, "models");
        IReadOnlyList<string> result = Directory.Exists(models)
            ? Directory.EnumerateDirectories(models).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];
        return Task.FromResult(result);
    }

    public async Task ActivateAsync(RecordKind kind, string fingerprint, string version, string actor, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        StoreNames.Validate(version, "version");
        StoreNames.ValidateActor(actor);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!File.Exists(RecordPath(kind, fingerprint, version)))
            {
                throw new RecordNotFoundException($"{kind.Name()} '{version}' of model '{fingerprint}' does not exist in {Description}; put it before activating it");
            }
            var next = _state.Clone();
            var current = next.Active.GetValueOrDefault(fingerprint) ?? new ActivePointers(fingerprint, null, null);
            next.Active[fingerprint] = current.With(kind, version);
            next.AddAudit(new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.RecordActivate, $"{kind.Name()}/{fingerprint}", version,
                $"was {current.Get(kind) ?? "none"}"), _options.AuditCap);
            Commit(next);
        }
        finally
        {
            _writeGate.Release();
        }
        _handlers.Raise(StoreChange.Activated(kind, fingerprint, version));
    }

    public Task<ActivePointers> GetActiveAsync(string fingerprint, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        return Task.FromResult(_state.Active.GetValueOrDefault(fingerprint) ?? new ActivePointers(fingerprint, null, null));
    }

    public Task<PolicySnapshot> GetPolicyAsync(CancellationToken cancellationToken = default)
    {
        var state = _state;
        return Task.FromResult(new PolicySnapshot(state.PolicyVersion, new Dictionary<string, string>(state.Policy, StringComparer.Ordinal)));
    }

    public async Task<PolicyWriteResult> TryUpdatePolicyAsync(long? expectedVersion, IReadOnlyList<PolicyChange> changes, string actor,
        CancellationToken cancellationToken = default)
    {
        PolicyChanges.Validate(changes, actor);
        long version;
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (expectedVersion is { } expected && expected != _state.PolicyVersion)
            {
                return PolicyWriteResult.Conflict(_state.PolicyVersion);
            }
            var next = _state.Clone();
            foreach (var change in changes)
            {
                if (change.Json is null) next.Policy.Remove(change.Key);
                else next.Policy[change.Key] = change.Json;
            }
            version = ++next.PolicyVersion;
            next.AddAudit(new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.PolicySet, "policy", version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                AuditJson.DescribeChanges(changes)), _options.AuditCap);
            Commit(next);
        }
        finally
        {
            _writeGate.Release();
        }
        _handlers.Raise(new StoreChange(StoreChangeKind.PolicyChanged, null, version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return PolicyWriteResult.Success(version);
    }

    public async Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entry.Actor);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var next = _state.Clone();
            next.AddAudit(entry, _options.AuditCap);
            Commit(next);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        IReadOnlyList<AuditEntry> page = _state.Audit.Skip(skip).Take(take).Select(AuditJson.Decode).ToList();
        return Task.FromResult(page);
    }

    public Task<IAsyncDisposable> SubscribeAsync(Action<StoreChange> handler, CancellationToken cancellationToken = default) =>
        Task.FromResult(_handlers.Add(handler));

    public Task<StoreVersionStamp> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var state = _state;
        return Task.FromResult(new StoreVersionStamp(state.PolicyVersion, new Dictionary<string, ActivePointers>(state.Active, StringComparer.Ordinal)));
    }

    public ValueTask DisposeAsync()
    {
        _lock.Dispose();
        _writeGate.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Makes <paramref name="next"/> durable, then visible; only then may the caller acknowledge.</summary>
    private void Commit(EmbeddedState next)
    {
        if (!_marked)
        {
            // Before the first state.json: from now on a missing state.json means lost data, not a new store.
            DataMarker.Write(MarkerPath, _options.Durable);
            _marked = true;
        }
        AtomicFile.Write(StatePath, next.Serialize(), _options.Durable);
        _state = next;
    }
}
