using NeuronGuard.Storage.Internal;

namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// The default store: one process, files under one directory, laid out like the Redis keys
/// (<c>models/{fingerprint}/{kind}/{version}.ngr</c>), plus the small state (policy, active pointers, audit) as a
/// checkpoint (<c>state.json</c>) and an append-only <see cref="Journal"/> of the writes since. Every acknowledged write
/// has been fsynced (a record file renamed into place, a journal frame appended), so kill -9 at any point loses
/// nothing acknowledged; a write appends one frame whatever the policy's size, and a background checkpoint folds the
/// journal into state.json every <see cref="EmbeddedStoreOptions.CheckpointAfterWrites"/> writes. Notifications are
/// in-process.
/// </summary>
internal sealed class EmbeddedStore : IStore
{
    private readonly string _root;
    private readonly EmbeddedStoreOptions _options;
    private readonly DirectoryLock _lock;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ChangeHandlers _handlers = new();
    private readonly Journal _journal;
    private EmbeddedState _state; // immutable; replaced under _writeGate: readers need no lock
    private bool _marked; // under _writeGate: the data marker and a first state.json exist
    private Task _checkpoint = Task.CompletedTask;

    public EmbeddedStore(string directory, EmbeddedStoreOptions options)
    {
        if (options.AuditCap < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.AuditCap, "AuditCap must be at least 1");
        }
        if (options.CheckpointAfterWrites < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.CheckpointAfterWrites, "CheckpointAfterWrites must be at least 1");
        }
        _root = Path.GetFullPath(directory);
        _options = options;
        _lock = DirectoryLock.Acquire(_root);
        try
        {
            AtomicFile.DeleteLeftovers(_root);
            var statePath = StatePath;
            var journalPath = Path.Combine(_root, Journal.FileName);
            _state = File.Exists(statePath) ? EmbeddedState.Deserialize(File.ReadAllBytes(statePath), statePath) : EmbeddedState.Empty;
            _marked = File.Exists(MarkerPath) && File.Exists(statePath);
            OpenWarning = File.Exists(statePath) ? null : DataMarker.MissingStateWarning(_root, statePath, File.Exists(MarkerPath));
            if (OpenWarning is not null && File.Exists(journalPath))
            {
                // Without its checkpoint the journal is only the tail of the history: keep it for a person, never replay it.
                var aside = $"{journalPath}.orphaned-{DateTime.UtcNow:yyyyMMddTHHmmss}";
                File.Move(journalPath, aside);
                OpenWarning += $"; the journal without it was moved to '{aside}'";
            }
            (_journal, var replay) = Journal.Open(journalPath, _state.Seq, options.Durable, options.AuditCap);
            foreach (var op in replay)
            {
                _state = op.ApplyTo(_state);
            }
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
            Commit(NextOp("audit", new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.RecordPut, $"{kind.Name()}/{fingerprint}", version,
                $"{payload.Length} bytes, format {formatVersion}")));
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
            var current = _state.Active.GetValueOrDefault(fingerprint) ?? new ActivePointers(fingerprint, null, null);
            Commit(NextOp("activate", new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.RecordActivate, $"{kind.Name()}/{fingerprint}", version,
                $"was {current.Get(kind) ?? "none"}")) with { Pointers = current.With(kind, version) });
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
        return Task.FromResult(new PolicySnapshot(state.PolicyVersion, state.Policy));
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
            version = _state.PolicyVersion + 1;
            Commit(NextOp("policy", new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.PolicySet, "policy", version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                AuditJson.DescribeChanges(changes))) with { Changes = changes, Version = version });
        }
        finally
        {
            _writeGate.Release();
        }
        _handlers.Raise(new StoreChange(StoreChangeKind.PolicyChanged, null, version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return PolicyWriteResult.Success(version);
    }

    public async Task<PolicyWriteResult> RestorePolicyAsync(long expectedVersion, IReadOnlyDictionary<string, string> entries, long newVersion,
        string actor, CancellationToken cancellationToken = default)
    {
        PolicyChanges.ValidateRestore(expectedVersion, entries, newVersion, actor);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (expectedVersion != _state.PolicyVersion)
            {
                return PolicyWriteResult.Conflict(_state.PolicyVersion);
            }
            Commit(NextOp("restore", new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.PolicyRestore, "policy", newVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                PolicyChanges.DescribeRestore(entries, expectedVersion))) with { Entries = entries, Version = newVersion });
        }
        finally
        {
            _writeGate.Release();
        }
        _handlers.Raise(new StoreChange(StoreChangeKind.PolicyChanged, null, newVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return PolicyWriteResult.Success(newVersion);
    }

    public async Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entry.Actor);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Commit(NextOp("audit", entry));
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

    public async ValueTask DisposeAsync()
    {
        await _checkpoint.ConfigureAwait(false);
        _journal.Dispose();
        _lock.Dispose();
        _writeGate.Dispose();
    }

    private JournalOp NextOp(string op, AuditEntry audit) => new(_state.Seq + 1, op, AuditJson.Encode(audit), _options.AuditCap);

    /// <summary>Makes <paramref name="op"/> durable, then visible; only then may the caller acknowledge. Under _writeGate.</summary>
    private void Commit(JournalOp op)
    {
        if (!_marked)
        {
            // Before the first journal frame: from now on a missing state.json means lost data, not a new store.
            DataMarker.Write(MarkerPath, _options.Durable);
            AtomicFile.Write(StatePath, _state.Serialize(), _options.Durable);
            _marked = true;
        }
        _journal.Append(op);
        _state = op.ApplyTo(_state);
        if (_journal.Count >= _options.CheckpointAfterWrites && _checkpoint.IsCompleted)
        {
            _checkpoint = Task.Run(CheckpointAsync);
        }
    }

    /// <summary>
    /// Saves the current state as state.json (outside the write gate: writers go on appending meanwhile), then drops the
    /// journal frames it holds. A crash in between leaves the new checkpoint and the old journal, whose older frames the
    /// next open skips by sequence number. A failure is retried at the next write past the threshold.
    /// </summary>
    private async Task CheckpointAsync()
    {
        var state = _state;
        try
        {
            AtomicFile.Write(StatePath, state.Serialize(), _options.Durable);
        }
        catch (IOException)
        {
            return; // the journal still holds everything; the next checkpoint tries again
        }
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _journal.TruncateThrough(state.Seq);
        }
        catch (IOException)
        {
            // The old journal stays valid beside the new checkpoint (its older frames are skipped by sequence number).
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
