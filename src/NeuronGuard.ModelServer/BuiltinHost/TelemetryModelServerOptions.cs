namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>How a <see cref="TelemetryModelServer"/> reaches its daemon and paces requests against it.</summary>
public sealed record TelemetryModelServerOptions
{
    /// <summary>The daemon's gRPC address, e.g. <c>http://127.0.0.1:50051</c>.</summary>
    public required string DaemonUrl { get; init; }

    /// <summary>Bearer token (role ingest) sent as <c>authorization</c> metadata; null when the daemon runs without tokens.</summary>
    public string? Token { get; init; }

    /// <summary>This model server's identity as Control shows it. Defaults to <c>builtin@{machine}:{pid}</c>.</summary>
    public string ServerId { get; init; } = $"builtin@{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Model name for people; defaults to the model folder's name.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// Wait for each frame's verdict before the next step, so a mitigation decided on step s applies from step s+1.
    /// Defaults to true for the built-in host; off, directives apply whenever they arrive (the daemon never blocks).
    /// </summary>
    public bool Lockstep { get; init; } = true;

    /// <summary>
    /// How long a lockstep step waits for its verdict before going on (counted in the result). Defaults to 5 s: verdicts
    /// are not lost on a healthy stream, so a wait this long only happens on a starved machine, where going on
    /// unmitigated would be the wrong answer.
    /// </summary>
    public TimeSpan VerdictTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long <see cref="TelemetryModelServer.StartAsync"/> waits for the first Welcome. Defaults to 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First reconnect delay after the stream breaks; doubles up to <see cref="MaxReconnectDelay"/>. Defaults to 200 ms.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest reconnect delay. Defaults to 5 s.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Consecutive authentication refusals (UNAUTHENTICATED, PERMISSION_DENIED) after which the stream stops retrying
    /// and <see cref="TelemetryModelServer.CredentialsRefused"/> completes. Defaults to 0: retry forever (the daemon's
    /// in-process host); `neuronguard host` uses 3.
    /// </summary>
    public int MaxAuthRefusals { get; init; }

    /// <summary>Idle sessions (KV caches) kept for reuse. Defaults to 4.</summary>
    public int SessionPoolSize { get; init; } = 4;
}
