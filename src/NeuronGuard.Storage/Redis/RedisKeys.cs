using StackExchange.Redis;

namespace NeuronGuard.Storage.Redis;

/// <summary>
/// Every key and channel name the Redis store uses, in one place (the README's layout table mirrors this file).
/// Every name starts with the prefix as a hash tag (<c>{ng}</c>), so all keys of one deployment hash to one
/// Redis Cluster slot and each multi-key script runs on one node.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>The prefix as it starts every name: <c>ng</c> becomes <c>{ng}</c>; a prefix that holds a <c>{tag}</c> stays as it is.</summary>
    public string Prefix { get; } = Tag(prefix);

    /// <summary>
    /// Wraps a prefix in a hash tag unless it already has one. Redis Cluster hashes only the part between the
    /// first <c>{</c> and the next <c>}</c> when that part is not empty.
    /// </summary>
    public static string Tag(string prefix)
    {
        var open = prefix.IndexOf('{', StringComparison.Ordinal);
        var close = open < 0 ? -1 : prefix.IndexOf('}', open + 1);
        return close > open + 1 ? prefix : "{" + prefix + "}";
    }

    /// <summary>String: a record envelope (header + opaque payload), immutable once written.</summary>
    public RedisKey Record(RecordKind kind, string fingerprint, string version) => $"{Prefix}:model:{fingerprint}:{kind.Name()}:{version}";

    /// <summary>Sorted set: the versions of one kind for a model, scored by creation time (listings, oldest first).</summary>
    public RedisKey Versions(RecordKind kind, string fingerprint) => $"{Prefix}:model:{fingerprint}:{kind.Name()}s";

    /// <summary>Hash: field catalog / baseline → active version. One HSET switches it atomically.</summary>
    public RedisKey Active(string fingerprint) => $"{Prefix}:model:{fingerprint}:active";

    /// <summary>Set: every model fingerprint with at least one record (what the version probe walks).</summary>
    public RedisKey Models => $"{Prefix}:models";

    /// <summary>Hash: policy key → entry JSON.</summary>
    public RedisKey Policy => $"{Prefix}:policy";

    /// <summary>String counter: the policy version, INCRed by every applied write.</summary>
    public RedisKey PolicyVersion => $"{Prefix}:policy:version";

    /// <summary>List: audit entries as JSON, newest first, LTRIMmed to the cap.</summary>
    public RedisKey Audit => $"{Prefix}:audit";

    /// <summary>Pub/sub channel of change notifications ("policy 17", "baseline {fingerprint} {version}"); classic pub/sub reaches every node of a cluster.</summary>
    public RedisChannel Events => RedisChannel.Literal($"{Prefix}:events");

    /// <summary>The active-pointer key with its fingerprint left off, for the probe script.</summary>
    public string ModelKeyPrefix => $"{Prefix}:model:";
}
