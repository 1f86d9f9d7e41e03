namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// The daemon's auth settings (config section "Auth"). Tokens are stored only as hashes so the config file can be
/// read by more people than may call the daemon; <c>neuronguard token new</c> prints an entry to paste here.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Accepted bearer tokens. Defaults to none: only a loopback listener (or <see cref="AllowAnonymous"/>) then accepts calls.</summary>
    public List<TokenEntry> Tokens { get; set; } = new();

    /// <summary>
    /// Accept unauthenticated calls (every role) on a non-loopback listener when no tokens are configured. Defaults to
    /// false: an explicit opt-out, for a listener that is protected by other means (mTLS, network policy).
    /// </summary>
    public bool AllowAnonymous { get; set; }
}

/// <summary>One accepted token: a name (the caller identity in audit entries), its hash and its roles.</summary>
public sealed class TokenEntry
{
    /// <summary>Caller identity recorded for changes made with this token, e.g. "vllm-pod-a" or "alice".</summary>
    public string Name { get; set; } = "";

    /// <summary>"sha256:" followed by 64 lower-case hex digits of the token's SHA-256 (<c>neuronguard token hash</c>).</summary>
    public string Hash { get; set; } = "";

    /// <summary>"ingest", "operator", "viewer" (operator implies viewer).</summary>
    public List<string> Roles { get; set; } = new();
}

/// <summary>The auth settings are wrong; the message says what to fix. The daemon refuses to start.</summary>
public sealed class AuthConfigurationException : Exception
{
    public AuthConfigurationException(string message) : base(message) { }
}

/// <summary>One rejected call, handed to the daemon for its audit log and metrics.</summary>
/// <param name="Code">"UNAUTHENTICATED" or "PERMISSION_DENIED".</param>
/// <param name="Caller">The token's name when the token was valid (permission denied), else "unknown".</param>
/// <param name="Peer">The client's address, e.g. "ipv4:10.0.0.7:53412".</param>
/// <param name="Report">False past 10 denials a second: count it, but neither log nor audit it (a flood must not fill them).</param>
public sealed record AuthDenial(DateTimeOffset At, string Method, string Code, string Caller, string Peer, string Reason, bool Report = true);
