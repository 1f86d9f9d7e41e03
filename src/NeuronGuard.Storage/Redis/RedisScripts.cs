namespace NeuronGuard.Storage.Redis;

/// <summary>
/// The Lua scripts behind every multi-key operation. Redis runs a script atomically, so a reader never sees a
/// write half done, the audit entry lands with the change it records, and the notification is published only
/// after the change is in place. Audit JSON is completed server-side with cjson where only the server knows
/// a value (the new policy version, the previous active version).
/// </summary>
internal static class RedisScripts
{
    /// <summary>KEYS: record, versions, models, audit. ARGV: blob, created ms, version, fingerprint, audit json, audit cap. Returns 1 created, 0 existed.</summary>
    public const string PutRecord = """
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
        redis.call('SADD', KEYS[3], ARGV[4])
        redis.call('LPUSH', KEYS[4], ARGV[5])
        redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[6]) - 1)
        return 1
        """;

    /// <summary>KEYS: record, active, audit. ARGV: field, version, audit json, audit cap, channel, message. Returns 1, or 0 when the record does not exist.</summary>
    /// <summary>KEYS: audit. ARGV: entry JSON, cap. One script so the push and the trim are atomic.</summary>
    public const string AppendAudit = """
        redis.call('LPUSH', KEYS[1], ARGV[1])
        redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
        return 1
        """;

    public const string Activate = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local previous = redis.call('HGET', KEYS[2], ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        local entry = cjson.decode(ARGV[3])
        entry['detail'] = 'was ' .. (previous or 'none')
        redis.call('LPUSH', KEYS[3], cjson.encode(entry))
        redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
        redis.call('PUBLISH', ARGV[5], ARGV[6])
        return 1
        """;

    /// <summary>
    /// KEYS: policy, policy version, audit. ARGV: expected version (-1: any), audit cap, audit json, channel,
    /// then (key, op 's'|'d', value) triples. Returns {1, new version} or {0, current version}.
    /// </summary>
    public const string UpdatePolicy = """
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        local expected = tonumber(ARGV[1])
        if expected >= 0 and expected ~= current then return {0, current} end
        for i = 5, #ARGV, 3 do
          if ARGV[i + 1] == 's' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
          else redis.call('HDEL', KEYS[1], ARGV[i]) end
        end
        local version = redis.call('INCR', KEYS[2])
        local entry = cjson.decode(ARGV[3])
        entry['version'] = tostring(version)
        redis.call('LPUSH', KEYS[3], cjson.encode(entry))
        redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[2]) - 1)
        redis.call('PUBLISH', ARGV[4], 'policy ' .. version)
        return {1, version}
        """;

    /// <summary>
    /// KEYS: policy, policy version, audit. ARGV: expected version, new version, audit cap, audit json, channel, then
    /// (key, value) pairs. Replaces the whole policy. Returns {1, new version} or {0, current version}.
    /// </summary>
    public const string RestorePolicy = """
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        if tonumber(ARGV[1]) ~= current then return {0, current} end
        redis.call('DEL', KEYS[1])
        for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('SET', KEYS[2], ARGV[2])
        redis.call('LPUSH', KEYS[3], ARGV[4])
        redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[3]) - 1)
        redis.call('PUBLISH', ARGV[5], 'policy ' .. ARGV[2])
        return {1, tonumber(ARGV[2])}
        """;

    /// <summary>KEYS: policy, policy version. Returns {version, {k1, v1, …}} read together.</summary>
    public const string ReadPolicy = """
        return {redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[1])}
        """;

    /// <summary>
    /// KEYS: policy version, models. ARGV: model key prefix. Returns {policy version, fp, catalog|'', baseline|'', …}.
    /// Reads keys it does not declare (each model's active hash): fine on one node; with Cluster all keys share the
    /// prefix's hash tag and so one slot.
    /// </summary>
    public const string Probe = """
        local out = {redis.call('GET', KEYS[1]) or '0'}
        for _, fp in ipairs(redis.call('SMEMBERS', KEYS[2])) do
          local a = redis.call('HMGET', ARGV[1] .. fp .. ':active', 'catalog', 'baseline')
          out[#out + 1] = fp
          out[#out + 1] = a[1] or ''
          out[#out + 1] = a[2] or ''
        end
        return out
        """;
}
