using Microsoft.Extensions.Logging;
using NeuronGuard.Api.V1;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronSetKind = NeuronGuard.Engine.Catalogs.NeuronSetKind;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Daemon.Policies;

/// <summary>
/// The current <see cref="EffectivePolicy"/> and the only writer of policy changes. Reads come from the store cache
/// (<see cref="StoreSync{TCatalog,TBaseline}"/>), writes go through the store's compare-and-set so two operators never
/// lose an update, and a timer retires entries whose TTL ran out (removed from the store, so the change is versioned
/// and audited like any other).
/// </summary>
public sealed partial class PolicyManager : IAsyncDisposable
{
    public const string ExpiryActor = "neuronguard (ttl expiry)";

    /// <summary>Longest TTL a write may ask for: 366 days. Longer-lived entries are permanent ones (no TTL).</summary>
    public const uint MaxTtlSeconds = 366 * 24 * 3600;

    /// <summary>Longest policy reason: 1,024 characters (it is stored, fsynced and audited with every write).</summary>
    public const int MaxReasonLength = 1024;

    /// <summary>
    /// Longest single timer wait. .NET timers refuse due times above ~49.7 days (uint.MaxValue - 1 ms), so a far
    /// expiry is reached by waking once a day and re-arming.
    /// </summary>
    internal static readonly TimeSpan MaxTimerWait = TimeSpan.FromDays(1);

    /// <summary>How long a write waits for this daemon's cache to serve it before answering "NOT applied here yet": 5 s.</summary>
    internal static readonly TimeSpan WriteVisibleTimeout = TimeSpan.FromSeconds(5);

    private readonly IStore _store;
    private readonly StoreSync<Catalog, Baseline> _sync;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private EffectivePolicy _current = EffectivePolicy.Empty;
    private ITimer? _expiryTimer;
    private long _timerAt;

    public PolicyManager(IStore store, StoreSync<Catalog, Baseline> sync, TimeProvider time, ILogger log)
    {
        _store = store;
        _sync = sync;
        _time = time;
        _log = log;
        _sync.Changed += change =>
        {
            if (change.Kind == StoreChangeKind.PolicyChanged)
            {
                Refresh();
            }
        };
        Refresh();
    }

    public EffectivePolicy Current => Volatile.Read(ref _current);

    /// <summary>Raised after the effective policy changed (new version, or an entry expired).</summary>
    public event Action<EffectivePolicy>? Changed;

    /// <summary>Recomputes the effective policy from the cache; raises <see cref="Changed"/> when it differs.</summary>
    public void Refresh()
    {
        EffectivePolicy next;
        lock (_gate)
        {
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            next = EffectivePolicy.From(_sync.Policy, now, key => LogUnreadableEntry(_log, key));
            var old = _current;
            if (old.Version == next.Version && old.Entries.SequenceEqual(next.Entries))
            {
                return;
            }
            if (next.Version < old.Version)
            {
                return; // an older snapshot arriving late never replaces a newer one
            }
            Volatile.Write(ref _current, next);
            ScheduleExpiry(next.NextExpiryUnixMs, now);
        }
        Changed?.Invoke(next);
    }

    /// <summary>
    /// Control.SetMitigation: validates, writes with compare-and-set, waits until the cache holds the new version.
    /// Throws <see cref="RpcException"/>-mappable errors: <see cref="ArgumentException"/> for bad input,
    /// <see cref="PolicyConflictException"/> on a version conflict, <see cref="StoreUnavailableException"/> when the store is down.
    /// </summary>
    public async Task<PolicyWrite> SetAsync(SetMitigationRequest request, string actor, CancellationToken cancellationToken)
    {
        var entry = Validate(request, actor, _time.GetUtcNow());
        CheckKnownSet(entry);
        long? expected = request.ExpectedVersion == 0 ? null : (long)request.ExpectedVersion;
        var current = Current;
        long before = current.Version;
        if (expected is null or 0 || expected == before)
        {
            if (current.Entries.FirstOrDefault(e => e.Key == entry.Key) is { } existing && existing.SameSetting(entry))
            {
                return new PolicyWrite(current, Unchanged: true);
            }
        }
        return new PolicyWrite(await WriteAsync(expected, PolicyChange.Set(entry.Key, entry.ToJson()), actor, before, cancellationToken).ConfigureAwait(false), Unchanged: false);
    }

    /// <summary>
    /// Control.DeleteMitigation: removes the entry of one set and scope. Throws <see cref="NoSuchEntryException"/> when the
    /// policy has none (naming the scopes the set does have), otherwise the same errors as <see cref="SetAsync"/>.
    /// </summary>
    public async Task<EffectivePolicy> DeleteAsync(DeleteMitigationRequest request, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(new SetMitigationRequest { Set = request.Set, Tenant = request.Tenant, Mode = MitigationMode.Off }, actor, _time.GetUtcNow());
        string key = PolicyKeys.Key(request.Set, request.Tenant);
        var current = Current;
        if (!_sync.Policy.Entries.ContainsKey(key))
        {
            var scopes = current.Entries.Where(e => e.Set == request.Set).Select(e => PolicyKeys.Scope(e.Tenant)).ToList();
            throw new NoSuchEntryException(scopes.Count == 0
                ? $"the policy has no entry for set '{request.Set}' in any scope: nothing to delete."
                : $"the policy has no {PolicyKeys.Scope(request.Tenant)} entry for set '{request.Set}'; it has: {string.Join(", ", scopes)}.");
        }
        long? expected = request.ExpectedVersion == 0 ? null : (long)request.ExpectedVersion;
        return await WriteAsync(expected, PolicyChange.Remove(key), actor, current.Version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One compare-and-set write, then waits until this daemon's cache serves it.</summary>
    private async Task<EffectivePolicy> WriteAsync(long? expected, PolicyChange change, string actor, long before, CancellationToken cancellationToken)
    {
        PolicyWriteResult result;
        try
        {
            result = await _store.TryUpdatePolicyAsync(expected, [change], actor, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            LogWriteFailed(_log, actor, change.Key, e.Message); // one line: the store, the cause, whether it applied
            throw;
        }
        if (!result.Applied)
        {
            throw new PolicyConflictException(result.Version, (ulong)(expected ?? 0));
        }
        if (result.Version <= before)
        {
            // The store's version went backwards: it was emptied or restored from an older copy. This daemon keeps the
            // newer policy it has (an older one never replaces it), so the write would silently not apply here.
            throw new PolicyNotAppliedException(
                $"the change was stored as policy version {result.Version}, but this daemon already serves version {before}: the store's policy went backwards (was Redis emptied or restored from an older copy?). The change is NOT applied by this daemon; restart it to reload the store's policy, or restore the store.");
        }
        await WaitForVersionAsync(result.Version, cancellationToken).ConfigureAwait(false);
        if (Current.Version < result.Version)
        {
            throw new PolicyNotAppliedException(
                $"the change was stored as policy version {result.Version}, but this daemon's cache is still at version {Current.Version} after waiting: it is NOT applied here yet (the store is slow or unreachable; see the store health in the log). It applies once the cache catches up; check with `neuronguard ctl policy get`.");
        }
        return Current;
    }

    /// <summary>The sets of every active catalog (name and kind), for the default entries GetPolicy shows.</summary>
    public List<(string Set, NeuronSetKind Kind)> CatalogSets()
    {
        var sets = new List<(string, NeuronSetKind)>();
        foreach (var fingerprint in _sync.Models)
        {
            if (_sync.GetModel(fingerprint)?.Catalog?.Value is { } catalog)
            {
                sets.AddRange(catalog.Sets.Select(s => (s.Name, s.Kind)));
            }
        }
        return sets.Distinct().ToList();
    }

    /// <summary>
    /// A set no active catalog has would be a permanent no-op entry (a typo, usually): refused, naming the known sets.
    /// Turning a set off is always allowed, and so is anything while no catalog is active (nothing to check against).
    /// </summary>
    private void CheckKnownSet(PolicyEntry entry)
    {
        if (entry.Mode == MitigationMode.Off)
        {
            return;
        }
        var known = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var fingerprint in _sync.Models)
        {
            if (_sync.GetModel(fingerprint)?.Catalog?.Value is { } catalog)
            {
                known.UnionWith(catalog.Sets.Select(s => s.Name));
            }
        }
        if (known.Count > 0 && !known.Contains(entry.Set))
        {
            throw new UnknownSetException($"no active catalog has a neuron set named '{entry.Set}': known sets are {string.Join(", ", known)}.");
        }
    }

    /// <summary>
    /// Waits for the sync loop's signal that the cache serves <paramref name="version"/> (the write's own notification, or
    /// the wake below, runs the pass), at most <see cref="WriteVisibleTimeout"/>; the caller then checks what it got.
    /// </summary>
    private async Task WaitForVersionAsync(long version, CancellationToken cancellationToken)
    {
        var reached = _sync.WaitForPolicyVersionAsync(version, cancellationToken);
        _sync.Wake();
        try
        {
            await reached.WaitAsync(WriteVisibleTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Answered as NOT applied here yet by the caller.
        }
        Refresh();
    }

    internal static PolicyEntry Validate(SetMitigationRequest r, string actor, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(r.Set))
        {
            throw new ArgumentException("set is empty: name the catalog neuron set, e.g. \"toxicity\".");
        }
        if (r.Set.Contains('/') || Telemetry.MessageLimits.IsOver(r.Set, 128, out _))
        {
            throw new ArgumentException($"set '{r.Set}' is not a set name: at most 128 characters, no '/'.");
        }
        if (Telemetry.MessageLimits.IsOver(r.Tenant, 128, out _) || r.Tenant.Contains('/'))
        {
            throw new ArgumentException($"tenant '{r.Tenant}' is not a tenant name: at most 128 characters, no '/'.");
        }
        if (Telemetry.MessageLimits.IsOver(r.Reason, MaxReasonLength, out var reasonLength))
        {
            throw new ArgumentException($"reason is {reasonLength} characters long; the limit is {MaxReasonLength} (it is kept in every policy entry and the audit log).");
        }
        if (r.Set.Contains('\uFFFD') || r.Tenant.Contains('\uFFFD'))
        {
            throw new ArgumentException("set or tenant is not valid UTF-8 (or contains U+FFFD): send names as UTF-8 text.");
        }
        if (r.Mode == MitigationMode.Unspecified || !Enum.IsDefined(r.Mode))
        {
            throw new ArgumentException("mode is missing: give off, shadow, on_flag, always, abort or mask_attention.");
        }
        if (!float.IsFinite(r.Strength) || r.Strength < 0 || r.Strength > 1)
        {
            throw new ArgumentException($"strength {r.Strength} is outside [0, 1] (1 applies the full AurA gains, 0 none).");
        }
        if (!Enum.IsDefined(r.Preset))
        {
            throw new ArgumentException($"preset {(int)r.Preset} is unknown: give aura, det0 or damp.");
        }
        if (r.TtlSeconds > MaxTtlSeconds)
        {
            throw new ArgumentException($"ttl {r.TtlSeconds} s is longer than the limit of {MaxTtlSeconds} s (366 days): give a shorter TTL, or none for a permanent entry.");
        }
        var preset = r.Preset == GainPreset.Unspecified ? GainPreset.Aura : r.Preset;
        if (preset == GainPreset.Det0 && r.TopK == 0 && r.Mode is not (MitigationMode.Off or MitigationMode.Abort or MitigationMode.MaskAttention))
        {
            throw new ArgumentException("preset det0 ablates the top-k neurons: give top_k ≥ 1.");
        }
        if ((r.StrengthPresenceCase == SetMitigationRequest.StrengthPresenceOneofCase.Strength) && r.Strength == 0 && r.Mode is MitigationMode.OnFlag or MitigationMode.Always or MitigationMode.Shadow
            && preset != GainPreset.Det0)
        {
            throw new ArgumentException($"strength 0 with mode {r.Mode} would attenuate nothing: give a strength in (0, 1], or mode off to stop mitigating.");
        }
        float strength = (r.StrengthPresenceCase == SetMitigationRequest.StrengthPresenceOneofCase.Strength) ? r.Strength : 1f;
        return new PolicyEntry
        {
            Set = r.Set,
            Tenant = r.Tenant,
            Mode = r.Mode,
            Strength = strength,
            Preset = preset,
            TopK = (int)r.TopK,
            ExpiresAtUnixMs = r.TtlSeconds == 0 ? 0 : now.ToUnixTimeMilliseconds() + r.TtlSeconds * 1000L,
            UpdatedBy = actor,
            UpdatedAtUnixMs = now.ToUnixTimeMilliseconds(),
            Reason = r.Reason,
        };
    }

    private void ScheduleExpiry(long atUnixMs, long nowUnixMs)
    {
        if (atUnixMs == 0 || atUnixMs == _timerAt)
        {
            return;
        }
        _timerAt = atUnixMs;
        _expiryTimer?.Dispose();
        var wait = TimeSpan.FromMilliseconds(Math.Max(0, atUnixMs - nowUnixMs));
        _expiryTimer = _time.CreateTimer(_ => _ = ExpireAsync(), null, wait < MaxTimerWait ? wait : MaxTimerWait, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Applies expiry locally at once (sessions stop mitigating on time even when the store is down) and then removes
    /// the expired entries from the store; with several replicas one wins the compare-and-set and the rest see it done.
    /// </summary>
    private async Task ExpireAsync()
    {
        var snapshot = _sync.Policy;
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = snapshot.Entries
            .Select(kv => (kv.Key, Entry: PolicyEntry.TryParse(kv.Value)))
            .Where(x => x.Entry is not null && x.Entry.IsExpired(now))
            .Select(x => PolicyChange.Remove(x.Key))
            .ToList();
        if (expired.Count == 0)
        {
            // A capped wait ran out before the entry's expiry: arm the next one without telling anyone.
            lock (_gate)
            {
                _timerAt = 0;
                ScheduleExpiry(Current.NextExpiryUnixMs, now);
            }
            return;
        }
        lock (_gate)
        {
            _timerAt = 0;
        }
        ForceRefresh();
        try
        {
            var result = await _store.TryUpdatePolicyAsync(snapshot.Version, expired, ExpiryActor).ConfigureAwait(false);
            if (result.Applied)
            {
                LogExpired(_log, string.Join(", ", expired.Select(e => e.Key)), result.Version);
                await _sync.SyncNowAsync().ConfigureAwait(false);
                Refresh();
            }
        }
        catch (StoreException e)
        {
            LogExpiryWriteFailed(_log, e.Message);
        }
    }

    /// <summary>Recomputes even at an unchanged version (an entry expired) and tells the sessions.</summary>
    private void ForceRefresh()
    {
        EffectivePolicy next;
        lock (_gate)
        {
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            next = EffectivePolicy.From(_sync.Policy, now);
            Volatile.Write(ref _current, next);
            ScheduleExpiry(next.NextExpiryUnixMs, now);
        }
        Changed?.Invoke(next);
    }

    public ValueTask DisposeAsync()
    {
        _expiryTimer?.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "policy entry '{Key}' is not readable by this build; it is ignored")]
    private static partial void LogUnreadableEntry(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "policy write by {Actor} to '{Key}' failed: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string actor, string key, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "policy entries expired and removed: {Keys} (policy version {Version})")]
    private static partial void LogExpired(ILogger logger, string keys, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "expired policy entries are no longer applied, but removing them from the store failed: {Reason}")]
    private static partial void LogExpiryWriteFailed(ILogger logger, string reason);
}

/// <summary>The policy after a write; <paramref name="Unchanged"/> when the entry already had that setting (nothing written).</summary>
public sealed record PolicyWrite(EffectivePolicy Policy, bool Unchanged);

/// <summary>A policy write for a neuron set no active catalog has (gRPC FAILED_PRECONDITION).</summary>
public sealed class UnknownSetException(string message) : Exception(message);

/// <summary>A delete of a policy entry that does not exist (gRPC NOT_FOUND).</summary>
public sealed class NoSuchEntryException(string message) : Exception(message);

/// <summary>A policy write the store took but this daemon does not apply (gRPC FAILED_PRECONDITION: the answer says why).</summary>
public sealed class PolicyNotAppliedException(string message) : Exception(message);

/// <summary>A compare-and-set policy write lost to another writer (gRPC ABORTED).</summary>
public sealed class PolicyConflictException(long current, ulong expected)
    : Exception($"the policy is at version {current}, not the expected version {expected}: someone else changed it; read it again (neuronguard ctl policy get) and retry.")
{
    public long CurrentVersion { get; } = current;
}
