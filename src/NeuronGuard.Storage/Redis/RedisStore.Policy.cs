using NeuronGuard.Storage.Internal;
using StackExchange.Redis;

namespace NeuronGuard.Storage.Redis;

/// <summary>Policy (compare-and-set by script), audit log, notifications and the version probe.</summary>
internal sealed partial class RedisStore
{
    private const string PolicyArea = "policy store";

    public async Task<PolicySnapshot> GetPolicyAsync(CancellationToken cancellationToken = default)
    {
        var result = await _connection.RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.ReadPolicy, [_keys.Policy, _keys.PolicyVersion]),
            PolicyArea, isWrite: false, cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var pairs = (RedisResult[])parts[1]!;
        var entries = new Dictionary<string, string>(pairs.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            entries[(string)pairs[i]!] = (string)pairs[i + 1]!;
        }
        return new PolicySnapshot(long.Parse((string)parts[0]!, System.Globalization.CultureInfo.InvariantCulture), entries);
    }

    public async Task<PolicyWriteResult> TryUpdatePolicyAsync(long? expectedVersion, IReadOnlyList<PolicyChange> changes, string actor,
        CancellationToken cancellationToken = default)
    {
        PolicyChanges.Validate(changes, actor);
        if (expectedVersion < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedVersion), expectedVersion, "expected policy version must be 0 or more (null: any)");
        }
        var audit = AuditJson.Encode(new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.PolicySet, "policy", "", AuditJson.DescribeChanges(changes)));
        var args = new List<RedisValue>(4 + changes.Count * 3) { expectedVersion ?? -1, _options.AuditCap, audit, (string)_keys.Events! };
        foreach (var change in changes)
        {
            args.Add(change.Key);
            args.Add(change.Json is null ? "d" : "s");
            args.Add(change.Json ?? "");
        }
        var result = await _connection.RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.UpdatePolicy,
            [_keys.Policy, _keys.PolicyVersion, _keys.Audit], [.. args]), PolicyArea, isWrite: true, cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        return (long)parts[0] == 1 ? PolicyWriteResult.Success((long)parts[1]) : PolicyWriteResult.Conflict((long)parts[1]);
    }

    public async Task<PolicyWriteResult> RestorePolicyAsync(long expectedVersion, IReadOnlyDictionary<string, string> entries, long newVersion,
        string actor, CancellationToken cancellationToken = default)
    {
        PolicyChanges.ValidateRestore(expectedVersion, entries, newVersion, actor);
        var version = newVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var audit = AuditJson.Encode(new AuditEntry(DateTimeOffset.UtcNow, actor, AuditActions.PolicyRestore, "policy", version,
            PolicyChanges.DescribeRestore(entries, expectedVersion)));
        var args = new List<RedisValue>(5 + entries.Count * 2) { expectedVersion, newVersion, _options.AuditCap, audit, (string)_keys.Events! };
        foreach (var (key, json) in entries)
        {
            args.Add(key);
            args.Add(json);
        }
        var result = await _connection.RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.RestorePolicy,
            [_keys.Policy, _keys.PolicyVersion, _keys.Audit], [.. args]), PolicyArea, isWrite: true, cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        return (long)parts[0] == 1 ? PolicyWriteResult.Success((long)parts[1]) : PolicyWriteResult.Conflict((long)parts[1]);
    }

    public async Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entry.Actor);
        var json = AuditJson.Encode(entry);
        await _connection.RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.AppendAudit, [_keys.Audit], [json, _options.AuditCap]),
            "audit log", isWrite: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        if (take == 0)
        {
            return [];
        }
        var items = await _connection.RunAsync(db => db.ListRangeAsync(_keys.Audit, skip, skip + take - 1), "audit log", isWrite: false, cancellationToken)
            .ConfigureAwait(false);
        return items.Select(i => AuditJson.Decode((string)i!)).ToList();
    }

    public async Task<StoreVersionStamp> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var result = await _connection.RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.Probe, [_keys.PolicyVersion, _keys.Models], [_keys.ModelKeyPrefix]),
            "store", isWrite: false, cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var active = new Dictionary<string, ActivePointers>(StringComparer.Ordinal);
        for (var i = 1; i + 2 < parts.Length; i += 3)
        {
            var fingerprint = (string)parts[i]!;
            active[fingerprint] = new ActivePointers(fingerprint, NullIfEmpty((string?)parts[i + 1]), NullIfEmpty((string?)parts[i + 2]));
        }
        return new StoreVersionStamp(long.Parse((string)parts[0]!, System.Globalization.CultureInfo.InvariantCulture), active);
    }

    public async Task<IAsyncDisposable> SubscribeAsync(Action<StoreChange> handler, CancellationToken cancellationToken = default)
    {
        var registration = _handlers.Add(handler);
        await EnsureSubscribedAsync().ConfigureAwait(false);
        return registration;
    }

    /// <summary>
    /// Registers the events handler once. SubscribeAsync returns when Redis confirmed the subscription, so no
    /// change published after it is missed. When Redis is down the registration stays with the client, which
    /// subscribes when it connects and re-subscribes after every reconnect (a change published in that gap is
    /// caught by the cache's periodic version check).
    /// </summary>
    private async Task EnsureSubscribedAsync()
    {
        await _subscribeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_subscribed)
            {
                return;
            }
            _subscribed = true;
            await _connection.Subscriber.SubscribeAsync(_keys.Events, (_, message) => OnMessage(message)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            // Down: the handler is registered; the client subscribes on connect.
        }
        catch (RedisServerException)
        {
            // Refused (an ACL user without the channel): every write script publishes on the same channel, so
            // each write reports the missing permission (RedisErrors); the periodic version check still syncs.
        }
        finally
        {
            _subscribeGate.Release();
        }
    }

    private void OnMessage(RedisValue message)
    {
        if (StoreChange.TryParse(message) is { } change)
        {
            _handlers.Raise(change);
        }
    }

    private void OnAvailabilityChanged(bool available)
    {
        AvailabilityChanged?.Invoke(available);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
