using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// Answers a refused call as gRPC does (a trailers-only response with UNAUTHENTICATED or PERMISSION_DENIED and a message
/// that says what to fix) instead of HTTP 401/403, before the request body is read (an HTTP API route gets HTTP 401 or
/// 403 with the same message as JSON), and hands every denial to the sink
/// (metrics for all, log and audit for at most 10 a second).
/// </summary>
internal sealed class GrpcAuthorizationResultHandler(Authenticator authenticator, AuthDenialSink sink) : IAuthorizationMiddlewareResultHandler
{
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }
        var endpoint = context.GetEndpoint();
        var http = endpoint?.Metadata.GetMetadata<Http.HttpApiEndpoint>();
        string method = http?.Name ?? context.Request.Path.Value ?? "";
        var required = http is not null
            ? endpoint!.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => RoleNames.TryParse(a.Policy, out var r) ? r : (Role?)null).LastOrDefault(r => r is not null) ?? Role.Operator
            : MethodRoles.Required(method) ?? Role.Operator;
        StatusCode code;
        string caller;
        string reason;
        // A client certificate alone carries no role: without a token the call is unauthenticated, not forbidden.
        if (authorizeResult.Forbidden && BearerTokenHandler.Identity(context.User) is { Name: { } name } token)
        {
            code = StatusCode.PermissionDenied;
            caller = name;
            var granted = token.Claims.Where(c => c.Type == System.Security.Claims.ClaimTypes.Role)
                .Select(c => RoleNames.TryParse(c.Value, out var r) ? r : Role.Viewer).Order();
            reason = Authenticator.NeedsRole(name, granted, method, required);
        }
        else
        {
            code = StatusCode.Unauthenticated;
            caller = "unknown";
            reason = context.Items.TryGetValue(BearerTokenHandler.FailureKey, out var failure) && failure is string why ? why
                : http is not null ? Authenticator.NeedsHttpToken(method) : Authenticator.NeedsToken(method);
        }
        sink.Report(authenticator.Denial(method, code, caller, GrpcPeer.Of(context), reason));
        if (http is not null)
        {
            if (code == StatusCode.Unauthenticated)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }
            return Http.HttpErrors.WriteAsync(context, code == StatusCode.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden, code, reason);
        }
        GrpcResponses.WriteStatus(context, code, reason);
        return Task.CompletedTask;
    }
}

/// <summary>Where denials go: set by the daemon (metrics, log, audit) or a test (a list).</summary>
public sealed class AuthDenialSink(Action<AuthDenial> onDenied)
{
    /// <summary>Must not throw or block.</summary>
    public void Report(AuthDenial denial) => onDenied(denial);
}
