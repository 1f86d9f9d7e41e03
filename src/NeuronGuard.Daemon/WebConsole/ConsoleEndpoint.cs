using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace NeuronGuard.Daemon.WebConsole;

/// <summary>
/// Serves the console's static files (HTML, CSS, ES modules embedded in this assembly, see wwwroot/) under
/// <c>/console/</c> on the admin listener. The files carry no data and need no token; the page signs in against the
/// HTTP/JSON API with a bearer token of its own. Nothing is fetched from elsewhere, so the console works offline.
/// </summary>
public static class ConsoleEndpoint
{
    public const string Path = "/console";

    /// <summary>The embedded files, rooted at wwwroot (index.html, app.js, …).</summary>
    public static IFileProvider Files { get; } = new ManifestEmbeddedFileProvider(typeof(ConsoleEndpoint).Assembly, "WebConsole/wwwroot");

    /// <summary>Serves <c>/console</c> and everything under it for requests whose local port passes <paramref name="isAdminPort"/>; others pass on.</summary>
    public static IApplicationBuilder MapConsole(this IApplicationBuilder app, Func<int, bool> isAdminPort)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.MapWhen(c => isAdminPort(c.Connection.LocalPort) && c.Request.Path.StartsWithSegments(Path), Configure);
    }

    private static void Configure(IApplicationBuilder branch)
    {
        branch.Use((context, next) =>
        {
            ConsoleHeaders.Apply(context.Response.Headers);
            var request = context.Request;
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = "GET, HEAD";
                return Task.CompletedTask;
            }
            if (request.Path.Value == Path)
            {
                // Relative module paths (./app.js) resolve against the folder, so the page lives at /console/.
                context.Response.Redirect(Path + "/" + request.QueryString);
                return Task.CompletedTask;
            }
            if (request.Path.Value == ConsoleSession.Path)
            {
                return ConsoleSession.WriteAsync(context);
            }
            return next(context);
        });
        var contentTypes = new FileExtensionContentTypeProvider();
        contentTypes.Mappings[".js"] = "text/javascript; charset=utf-8";
        branch.UseDefaultFiles(new DefaultFilesOptions { FileProvider = Files, RequestPath = Path, DefaultFileNames = ["index.html"] });
        branch.UseStaticFiles(new StaticFileOptions { FileProvider = Files, RequestPath = Path, ContentTypeProvider = contentTypes });
        branch.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync($"not found: no console file {context.Request.Path}\n");
        });
    }
}
