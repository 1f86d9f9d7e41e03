using Microsoft.AspNetCore.Http;

namespace NeuronGuard.Daemon.WebConsole;

/// <summary>
/// The response headers of every console file. The page shows strings that model servers supply (server ids, tenants,
/// labels): a policy without inline script or style turns an escaping mistake into a blocked injection, not a run one.
/// </summary>
public static class ConsoleHeaders
{
    /// <summary>Scripts, styles and API calls only from this origin; no inline code, no framing, no form posts, no base rewrite.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Apply(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // The page is small and changes with the daemon: revalidate (ETag) instead of running a stale script.
        headers.CacheControl = "no-cache";
    }
}
