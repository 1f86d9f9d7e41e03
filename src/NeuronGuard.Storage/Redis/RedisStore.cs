using NeuronGuard.Storage.Internal;
using StackExchange.Redis;

namespace NeuronGuard.Storage.Redis;

/// <summary>
/// The shared store on Redis (layout in <see cref="RedisKeys"/> and the README). Records and pointers here;
/// policy, audit and notifications in RedisStore.Policy.cs.
/// </summary>
internal sealed partial class RedisStore : IStore
{
    private const string RecordArea = "record store";
    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;
    private readonly RedisStoreOptions _options;
    private readonly ChangeHandlers _handlers = new();
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private bool _subscribed;

    private RedisStore(RedisConnection connection, RedisStoreOptions options)
    {
        _connection = connection;
        _options = options;
        _keys = new RedisKeys(options.KeyPrefix);
        connection.AvailabilityChanged += OnAvailabilityChanged;
    }

    /// <summary>Connects (never throwing for a down Redis: see <see cref="IsAvailable"/>) and subscribes to the events channel.</summary>
    public static async Task<RedisStore> ConnectAsync(RedisStoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.KeyPrefix) || options.KeyPrefix.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"Store:Redis:KeyPrefix '{options.KeyPrefix}' is invalid: use a non-empty prefix without spaces, e.g. 'ng'", nameof(options));
        }
        if (options.AuditCap < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.AuditCap, "Store:Redis:AuditCap must be at least 1");
        }
        var store = new RedisStore(await RedisConnection.ConnectAsync(options).ConfigureAwait(false), options);
        try
        {
            await store.EnsureSubscribedAsync().ConfigureAwait(false);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return store;
    }

    public string Description => $"redis at {_connection.Endpoint} (db {_options.Database}, prefix '{_keys.Prefix}')";

    public bool IsAvailable => _connection.IsAvailable;

    public event Action<bool>? AvailabilityChanged;

    internal RedisKeys Keys => _keys;

    internal RedisConnection Connection => _connection;

    public async Task<PutOutcome> PutRecordAsync(RecordKind kind, string fingerprint, string version, int formatVersion,
        ReadOnlyMemory<byte> payload, string actor, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        StoreNames.Validate(version, "version");
        StoreNames.ValidateActor(actor);
        var now = DateTimeOffset.UtcNow;
        var blob = RecordEnvelope.Encode(kind, fingerprint, version, formatVersion, now, actor, payload.Span);
        var audit = AuditJson.Encode(new AuditEntry(now, actor, AuditActions.RecordPut, $"{kind.Name()}/{fingerprint}", version,
            $"{payload.Length} bytes, format {formatVersion}"));
        var result = await _connection.RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.PutRecord,
            [_keys.Record(kind, fingerprint, version), _keys.Versions(kind, fingerprint), _keys.Models, _keys.Audit],
            [blob, now.ToUnixTimeMilliseconds(), version, fingerprint, audit, _options.AuditCap]),
            RecordArea, isWrite: true, cancellationToken).ConfigureAwait(false);
        return (long)result == 1 ? PutOutcome.Created : PutOutcome.AlreadyExists;
    }

    public async Task<StoredRecord?> GetRecordAsync(RecordKind kind, string fingerprint, string version, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        StoreNames.Validate(version, "version");
        var key = _keys.Record(kind, fingerprint, version);
        var value = await _connection.RunAsync(db => db.StringGetAsync(key), RecordArea, isWrite: false, cancellationToken).ConfigureAwait(false);
        if (value.IsNull)
        {
            return null;
        }
        return RecordEnvelope.Decode((byte[])value!, kind, fingerprint, version, $"{kind.Name()} '{version}' of model '{fingerprint}' (redis key {key})");
    }

    public async Task<IReadOnlyList<RecordInfo>> ListRecordsAsync(RecordKind kind, string fingerprint, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        var versions = await _connection.RunAsync(db => db.SortedSetRangeByRankAsync(_keys.Versions(kind, fingerprint)),
            RecordArea, isWrite: false, cancellationToken).ConfigureAwait(false);
        var headers = await _connection.RunAsync(db => Task.WhenAll(versions.Select(v =>
            db.StringGetRangeAsync(_keys.Record(kind, fingerprint, (string)v!), 0, RecordEnvelope.MaxHeaderSize - 1))),
            RecordArea, isWrite: false, cancellationToken).ConfigureAwait(false);
        var infos = new List<RecordInfo>(headers.Length);
        for (var i = 0; i < headers.Length; i++)
        {
            infos.Add(RecordEnvelope.ReadHeader((byte[])headers[i]!, $"redis key {_keys.Record(kind, fingerprint, (string)versions[i]!)}", out _));
        }
        return infos;
    }

    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var members = await _connection.RunAsync(db => db.SetMembersAsync(_keys.Models), RecordArea, isWrite: false, cancellationToken).ConfigureAwait(false);
        return members.Select(m => (string)m!).Order(StringComparer.Ordinal).ToList();
    }

    public async Task ActivateAsync(RecordKind kind, string fingerprint, string version, string actor, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        StoreNames.Validate(version, "version");
        StoreNames.ValidateActor(actor);
        var audit = AuditJson.Encode(new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.RecordActivate, $"{kind.Name()}/{fingerprint}", version, ""));
        var result = await _connection.RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.Activate,
            [_keys.Record(kind, fingerprint, version), _keys.Active(fingerprint), _keys.Audit],
            [kind.Name(), version, audit, _options.AuditCap, (string)_keys.Events!, StoreChange.Activated(kind, fingerprint, version).ToMessage()]),
            RecordArea, isWrite: true, cancellationToken).ConfigureAwait(false);
        if ((long)result == 0)
        {
            throw new RecordNotFoundException($"{kind.Name()} '{version}' of model '{fingerprint}' does not exist in {Description}; put it before activating it");
        }
    }

    public async Task<ActivePointers> GetActiveAsync(string fingerprint, CancellationToken cancellationToken = default)
    {
        StoreNames.Validate(fingerprint, "fingerprint");
        var values = await _connection.RunAsync(db => db.HashGetAsync(_keys.Active(fingerprint), ["catalog", "baseline"]),
            RecordArea, isWrite: false, cancellationToken).ConfigureAwait(false);
        return new ActivePointers(fingerprint, (string?)values[0], (string?)values[1]);
    }

    public async ValueTask DisposeAsync()
    {
        _connection.AvailabilityChanged -= OnAvailabilityChanged;
        await _connection.DisposeAsync().ConfigureAwait(false);
        _subscribeGate.Dispose();
    }
}
