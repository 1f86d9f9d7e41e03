namespace NeuronGuard.Storage;

/// <summary>Settings of the Redis store (StackExchange.Redis 1.2.6 underneath).</summary>
public sealed class RedisStoreOptions
{
    /// <summary>"host:port" entries; defaults to <c>127.0.0.1:6379</c>. Several entries: a primary and its replicas.</summary>
    public List<string> Endpoints { get; set; } = ["127.0.0.1:6379"];

    /// <summary>Database number (SELECT). Defaults to 0. Pub/sub ignores it, which is why the channel carries the prefix.</summary>
    public int Database { get; set; }

    /// <summary>AUTH password; null for none. Prefer the environment (<c>NEURONGUARD_REDIS_PASSWORD</c>) to a config file.</summary>
    public string? Password { get; set; }

    /// <summary>Connect with TLS. Defaults to false.</summary>
    public bool Tls { get; set; }

    /// <summary>Server name checked against the certificate with TLS; null uses the endpoint's host.</summary>
    public string? TlsHost { get; set; }

    /// <summary>
    /// Prefix of every key and of the events channel. Defaults to <c>ng</c>. Use one prefix per fleet that must
    /// share state; with Redis Cluster use a hash tag such as <c>{ng}</c> so the scripts' keys share a slot.
    /// </summary>
    public string KeyPrefix { get; set; } = "ng";

    /// <summary>Connect timeout. Defaults to 5 s. Start never fails on it: an unreachable Redis is reported by health.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longest wait for one command before it is reported unavailable. Defaults to 5 s (SE.Redis 1.2.6 has no
    /// async timeout of its own, so a stalled server would otherwise hang callers).
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Newest audit entries kept (LTRIM). Defaults to 10,000.</summary>
    public int AuditCap { get; set; } = 10_000;
}
