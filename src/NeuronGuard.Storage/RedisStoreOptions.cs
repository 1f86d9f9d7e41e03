namespace NeuronGuard.Storage;

/// <summary>Settings of the Redis store (StackExchange.Redis 3.x underneath).</summary>
public sealed class RedisStoreOptions
{
    /// <summary>The endpoint used when <see cref="Endpoints"/> is empty.</summary>
    public const string DefaultEndpoint = "127.0.0.1:6379";

    /// <summary>
    /// "host:port" entries: one node, a primary and its replicas, or any nodes of a Redis Cluster (the client
    /// discovers the rest). Empty (the default) means <see cref="DefaultEndpoint"/>. The default is not pre-filled
    /// here because the configuration binder appends configured entries to a pre-filled list instead of replacing
    /// it (a configured <c>redis:6379</c> became <c>127.0.0.1:6379,redis:6379</c>); read <see cref="EffectiveEndpoints"/>.
    /// </summary>
    public List<string> Endpoints { get; set; } = [];

    /// <summary>The endpoints actually used: <see cref="Endpoints"/>, or <see cref="DefaultEndpoint"/> when none is configured.</summary>
    public IReadOnlyList<string> EffectiveEndpoints => Endpoints.Count == 0 ? [DefaultEndpoint] : Endpoints;

    /// <summary>Database number (SELECT). Defaults to 0; must be 0 on a Redis Cluster. Pub/sub ignores it, which is why the channel carries the prefix.</summary>
    public int Database { get; set; }

    /// <summary>ACL user name (Redis 6+ <c>AUTH user password</c>); null for the <c>default</c> user.</summary>
    public string? User { get; set; }

    /// <summary>AUTH password; null for none. Prefer the environment (<c>NEURONGUARD__STORE__REDIS__PASSWORD</c>) to a config file.</summary>
    public string? Password { get; set; }

    /// <summary>Connect with TLS. Defaults to false.</summary>
    public bool Tls { get; set; }

    /// <summary>Server name checked against the certificate with TLS; null uses the endpoint's host.</summary>
    public string? TlsHost { get; set; }

    /// <summary>
    /// PEM file of the CA that issued the server certificate, for a private CA; null trusts the system's CAs.
    /// Only certificates issued by this CA are accepted when it is set.
    /// </summary>
    public string? TlsCaFile { get; set; }

    /// <summary>
    /// Prefix of every key and of the events channel. Defaults to <c>ng</c>. Use one prefix per fleet that must
    /// share state. Keys carry it as a hash tag (<c>{ng}:policy</c>) so every key of a fleet lives in one Redis
    /// Cluster slot and the multi-key scripts run there; a prefix that already holds a <c>{tag}</c> is used as is.
    /// </summary>
    public string KeyPrefix { get; set; } = "ng";

    /// <summary>Connect timeout. Defaults to 5 s. Start never fails on it: an unreachable Redis is reported by health.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for one command before it is reported unavailable (the client's async timeout). Defaults to 5 s.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Newest audit entries kept (LTRIM). Defaults to 10,000.</summary>
    public int AuditCap { get; set; } = 10_000;
}
