using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// The "Bearer" authentication scheme: the request's authorization header to a principal (the token's name, a role
/// claim per role) through <see cref="Authenticator"/>. It runs in the middleware pipeline, before gRPC reads the body,
/// so a caller without a valid token never gets its bytes parsed. Challenges and forbids are answered as gRPC statuses by
/// <see cref="GrpcAuthorizationResultHandler"/>, not here.
/// </summary>
internal sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    Authenticator authenticator) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    /// <summary>HttpContext.Items key of the reason a presented token was refused.</summary>
    public const string FailureKey = "neuronguard.auth.failure";

    /// <summary>The identity this scheme put in <paramref name="user"/>, or null when no token (nor the no-token rule) authenticated.</summary>
    public static ClaimsIdentity? Identity(ClaimsPrincipal user) =>
        user.Identities.FirstOrDefault(i => i is { IsAuthenticated: true, AuthenticationType: SchemeName });

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = authenticator.Identify(Request.Headers.Authorization.ToString(), out var failure);
        if (identity is not { } who)
        {
            if (failure == Authenticator.NoTokenFailure)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            // The authentication middleware keeps no failed result; the gRPC answer needs its reason.
            Context.Items[FailureKey] = failure;
            return Task.FromResult(AuthenticateResult.Fail(failure!));
        }
        var claims = new List<Claim> { new(ClaimTypes.Name, who.Name) };
        claims.AddRange(who.Roles.Select(r => new Claim(ClaimTypes.Role, r.Name())));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    // The authorization result handler writes the gRPC status; the default would set HTTP 401/403.
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Task.CompletedTask;

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Task.CompletedTask;
}
