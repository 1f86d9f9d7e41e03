using System.Collections.Frozen;
using Grpc.Core;

namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// Checks bearer tokens against the configured hashes (<see cref="BearerTokenHandler"/> runs it before a request's
/// body is read) and words denials; <see cref="Caller"/> names who called so handlers can attribute changes.
/// </summary>
public sealed class Authenticator
{
    public const string AnonymousCaller = "anonymous";

    private const string CallerKey = "neuronguard.auth.caller";
    private const string BearerScheme = "Bearer ";

    private readonly FrozenDictionary<string, Principal> _byHash;
    private readonly Hosting.ReportLimiter _limiter = new(10, TimeSpan.FromSeconds(1));

    /// <param name="listenerIsLoopback">Whether the listener only accepts connections from this machine.</param>
    /// <exception cref="AuthConfigurationException">A hash, role or name is malformed, or nothing would protect a non-loopback listener.</exception>
    public Authenticator(AuthOptions options, bool listenerIsLoopback)
    {
        ArgumentNullException.ThrowIfNull(options);
        _byHash = Validate(options).ToFrozenDictionary(p => p.Hash, StringComparer.Ordinal);
        Anonymous = _byHash.Count == 0;
        if (Anonymous && !listenerIsLoopback && !options.AllowAnonymous)
        {
            throw new AuthConfigurationException(
                "auth: the listener is reachable from other machines but no tokens are configured: add tokens under \"Auth\": { \"Tokens\": [...] } " +
                "(create one with `neuronguard token new --name NAME --roles ingest`), listen on 127.0.0.1, " +
                "or set Auth:AllowAnonymous=true to accept unauthenticated calls on purpose.");
        }
        StartupMessage = !Anonymous
            ? $"auth: {_byHash.Count} bearer token(s) configured ({string.Join(", ", _byHash.Values.Select(p => $"{p.Name}: {string.Join("+", p.Roles.Select(r => r.Name()))}"))}); calls without a valid token are rejected"
            : listenerIsLoopback
                ? "auth: no tokens configured; loopback listener accepts unauthenticated calls (every role)"
                : "auth: no tokens configured and Auth:AllowAnonymous=true; the listener accepts unauthenticated calls from anyone who can reach it (every role)";
    }

    /// <summary>True when calls need no token (no tokens configured; loopback listener or AllowAnonymous).</summary>
    public bool Anonymous { get; }

    /// <summary>One line for the daemon's start-up log saying how calls are authenticated.</summary>
    public string StartupMessage { get; }

    /// <summary>Every rejected call since start.</summary>
    public long Denied => _limiter.Total;

    /// <summary>Rejections neither logged nor audited because more than 10 arrived in one second (counted all the same).</summary>
    public long DenialsNotReported => _limiter.Suppressed;

    /// <summary>
    /// The caller recorded for this call: the token's name; with no token, the client certificate's ("cert:vllm-a");
    /// else "anonymous".
    /// </summary>
    public static string Caller(ServerCallContext context) => Caller(context.GetHttpContext().User);

    /// <summary>As above, from the call's principal (merged from the bearer and certificate schemes).</summary>
    public static string Caller(System.Security.Claims.ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var token = BearerTokenHandler.Identity(user)?.Name;
        return token is not null && token != AnonymousCaller ? token : ClientCertificateScheme.Caller(user) ?? AnonymousCaller;
    }

    /// <summary>
    /// Who sent <paramref name="authorization"/> (the request's authorization header): the token's name and roles, or
    /// null with <paramref name="failure"/> saying what to fix. A missing header is a failure too (the method's needs decide).
    /// The scheme is matched in any case (RFC 7235: "bearer", "Bearer", "BEARER").
    /// </summary>
    public (string Name, Role[] Roles)? Identify(string? authorization, out string? failure)
    {
        failure = null;
        if (Anonymous)
        {
            return (AnonymousCaller, [Role.Ingest, Role.Operator, Role.Viewer]);
        }
        if (string.IsNullOrEmpty(authorization))
        {
            failure = NoTokenFailure;
            return null;
        }
        if (!authorization.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) || authorization.AsSpan(BearerScheme.Length).IsWhiteSpace())
        {
            failure = "the authorization metadata is not 'Bearer <token>': send the token with the Bearer scheme.";
            return null;
        }
        if (!_byHash.TryGetValue(TokenHasher.Hash(authorization[BearerScheme.Length..]), out var principal))
        {
            failure = "the bearer token is not one this daemon accepts: check the token, or add its hash to Auth:Tokens (`neuronguard token hash`).";
            return null;
        }
        return (principal.Name, principal.Roles);
    }

    /// <summary>Marks a failure that is "no token at all", which the denial message words per method.</summary>
    public const string NoTokenFailure = "no-token";

    /// <summary>The message for a call without a token to <paramref name="method"/>.</summary>
    public static string NeedsToken(string method) =>
        $"{method} needs a bearer token: send metadata 'authorization: Bearer <token>' (ctl: --token or NEURONGUARD_TOKEN).";

    /// <summary>The message for an HTTP API call without a token to <paramref name="route"/>.</summary>
    public static string NeedsHttpToken(string route) =>
        $"{route} needs a bearer token: send the header 'Authorization: Bearer <token>'.";

    /// <summary>The message for a valid token without the role <paramref name="method"/> needs.</summary>
    public static string NeedsRole(string caller, IEnumerable<Role> granted, string method, Role required) =>
        $"token '{caller}' has role(s) {string.Join(", ", granted.Select(r => r.Name()))} but {method} needs {required.Name()}: use a token with that role.";

    /// <summary>
    /// One rejected call, with <see cref="AuthDenial.Report"/> set on at most 10 per second (the first reported after a
    /// burst says how many were left out), so a flood is counted but neither logs nor audits more than that.
    /// </summary>
    public AuthDenial Denial(string method, StatusCode code, string caller, string peer, string reason)
    {
        bool report = _limiter.TryAcquire(out long left);
        var detail = left > 0 ? $"{reason} ({left} earlier denial(s) not audited: over 10/s)" : reason;
        return new AuthDenial(DateTimeOffset.UtcNow, method, code == StatusCode.Unauthenticated ? "UNAUTHENTICATED" : "PERMISSION_DENIED",
            caller, peer, detail, report);
    }

    private static List<Principal> Validate(AuthOptions options)
    {
        var errors = new List<string>();
        var principals = new List<Principal>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Tokens.Count; i++)
        {
            var entry = options.Tokens[i];
            var at = string.IsNullOrWhiteSpace(entry.Name) ? $"Auth:Tokens[{i}]" : $"Auth:Tokens[{i}] ('{entry.Name}')";
            if (string.IsNullOrWhiteSpace(entry.Name))
            {
                errors.Add($"{at}: Name is empty: name the token (it is the caller identity in the audit log).");
            }
            else if (!names.Add(entry.Name))
            {
                errors.Add($"{at}: the name '{entry.Name}' is used twice: give each token its own name.");
            }
            var hash = entry.Hash?.Trim().ToLowerInvariant() ?? "";
            if (!TokenHasher.IsWellFormed(hash))
            {
                errors.Add($"{at}: Hash '{entry.Hash}' is not \"sha256:\" followed by 64 hex digits: paste the hash printed by `neuronguard token new` or `neuronguard token hash` (never the token itself).");
            }
            else if (!hashes.Add(hash))
            {
                errors.Add($"{at}: the same token hash appears twice: remove the duplicate entry.");
            }
            var roles = new HashSet<Role>();
            foreach (var name in entry.Roles ?? [])
            {
                if (RoleNames.TryParse(name, out var role))
                {
                    roles.Add(role);
                }
                else
                {
                    errors.Add($"{at}: unknown role '{name}': use ingest, operator or viewer.");
                }
            }
            if (entry.Roles is null || entry.Roles.Count == 0)
            {
                errors.Add($"{at}: Roles is empty: give at least one of ingest, operator, viewer.");
            }
            principals.Add(new Principal(entry.Name, hash, roles.Order().ToArray()));
        }
        if (errors.Count > 0)
        {
            throw new AuthConfigurationException(errors.Count == 1
                ? $"auth configuration: {errors[0]}"
                : $"auth configuration has {errors.Count} problems:\n- " + string.Join("\n- ", errors));
        }
        return principals;
    }

    private sealed record Principal(string Name, string Hash, Role[] Roles);
}
