using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NeuronGuard.Daemon.Auth;

namespace NeuronGuard.Daemon.WebConsole;

/// <summary>
/// <c>GET /console/session</c>: who the request's bearer token is and which roles it has, so the page can check a
/// token at sign-in and disable what a viewer may not do, without a probing write (which would be audited as a
/// denial). It only reads the token; every API call is still authorized on its own by the daemon.
/// </summary>
internal static class ConsoleSession
{
    public const string Path = ConsoleEndpoint.Path + "/session";

    public static async Task WriteAsync(HttpContext context)
    {
        var authenticator = context.RequestServices.GetRequiredService<Authenticator>();
        var who = authenticator.Identify(context.Request.Headers.Authorization.ToString(), out string? failure);
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/json; charset=utf-8";
        response.StatusCode = who is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status200OK;
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        if (who is { } identity)
        {
            json.WriteString("name", identity.Name);
            json.WriteStartArray("roles");
            foreach (var role in identity.Roles)
            {
                json.WriteStringValue(role.Name());
            }
            json.WriteEndArray();
        }
        else
        {
            json.WriteString("message", failure == Authenticator.NoTokenFailure ? "this daemon needs a bearer token: paste one (`neuronguard token new`)." : failure);
        }
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
