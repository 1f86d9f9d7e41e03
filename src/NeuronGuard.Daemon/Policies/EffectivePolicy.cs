using NeuronGuard.Api.V1;
using NeuronGuard.Engine.Catalogs;
using NeuronSetKind = NeuronGuard.Engine.Catalogs.NeuronSetKind;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Policies;

/// <summary>
/// The policy as the daemon applies it at one moment: the stored version with expired entries left out. Immutable,
/// so sessions read it without locks; a tenant's entry for a set wins over the global one.
/// </summary>
public sealed class EffectivePolicy
{
    private readonly Dictionary<(string Set, string Tenant), PolicyEntry> _entries;

    private EffectivePolicy(long version, Dictionary<(string, string), PolicyEntry> entries, long nextExpiry)
    {
        Version = version;
        _entries = entries;
        NextExpiryUnixMs = nextExpiry;
    }

    public static EffectivePolicy Empty { get; } = new(0, new(), 0);

    public long Version { get; }

    public IEnumerable<PolicyEntry> Entries => _entries.Values.OrderBy(e => e.Set, StringComparer.Ordinal).ThenBy(e => e.Tenant, StringComparer.Ordinal);

    /// <summary>When the next entry expires (Unix ms), 0 when none will.</summary>
    public long NextExpiryUnixMs { get; }

    /// <summary>Entries that could not be read are skipped and reported through <paramref name="unreadable"/>.</summary>
    public static EffectivePolicy From(PolicySnapshot snapshot, long nowUnixMs, Action<string>? unreadable = null)
    {
        var entries = new Dictionary<(string, string), PolicyEntry>();
        long next = 0;
        foreach (var (key, json) in snapshot.Entries)
        {
            var entry = PolicyEntry.TryParse(json);
            if (entry is null)
            {
                unreadable?.Invoke(key);
                continue;
            }
            if (entry.IsExpired(nowUnixMs))
            {
                continue;
            }
            if (entry.ExpiresAtUnixMs > 0 && (next == 0 || entry.ExpiresAtUnixMs < next))
            {
                next = entry.ExpiresAtUnixMs;
            }
            entries[(entry.Set, entry.Tenant)] = entry;
        }
        return new EffectivePolicy(snapshot.Version, entries, next);
    }

    /// <summary>The entry that applies to <paramref name="set"/> for <paramref name="tenant"/>, or null (off).</summary>
    public PolicyEntry? Find(string set, string tenant)
    {
        if (tenant.Length > 0 && _entries.TryGetValue((set, tenant), out var own))
        {
            return own;
        }
        return _entries.GetValueOrDefault((set, ""));
    }

    /// <summary>The entry that applies, or the kind's default (<see cref="DefaultPolicy"/>) when the set has none.</summary>
    public PolicyEntry? Resolve(string set, NeuronSetKind kind, string tenant) => Find(set, tenant) ?? DefaultPolicy.For(set, kind);

    public MitigationMode ModeFor(string set, string tenant) => Find(set, tenant)?.Mode ?? MitigationMode.Off;

    /// <summary>
    /// The stored entries, plus a default entry (<see cref="DefaultPolicy"/>) for each of <paramref name="sets"/> whose
    /// kind has one and that has no global entry, so a reader sees every mode in force.
    /// </summary>
    public Api.V1.Policy ToProto(IEnumerable<(string Set, NeuronSetKind Kind)>? sets = null)
    {
        var p = new Api.V1.Policy { Version = (ulong)Version };
        var all = Entries.ToList();
        foreach (var (set, kind) in sets ?? [])
        {
            if (!_entries.ContainsKey((set, "")) && DefaultPolicy.For(set, kind) is { } fallback && !all.Any(e => e.Set == set && e.Tenant.Length == 0))
            {
                all.Add(fallback);
            }
        }
        foreach (var e in all.OrderBy(e => e.Set, StringComparer.Ordinal).ThenBy(e => e.Tenant, StringComparer.Ordinal))
        {
            p.Mitigations.Add(e.ToProto());
        }
        return p;
    }
}
