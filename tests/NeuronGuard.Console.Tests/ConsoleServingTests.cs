using System.Net;
using System.Text.Json;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.WebConsole;

namespace NeuronGuard.Console.Tests;

/// <summary>The console's files over plain HTTP on a real daemon's admin listener (no model host, no browser).</summary>
public sealed class ConsoleServingTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("ng-console-serve-").FullName;
    private DaemonHost _daemon = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _daemon = await StartAsync(_dataDir, enabled: true);
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_daemon.MetricsAddress!, "/") };
    }

    private static readonly string ViewerToken = TokenHasher.NewToken();

    internal static Task<DaemonHost> StartAsync(string dataDir, bool enabled)
    {
        var options = new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dataDir, Model = "none", LogLevel = "Warning",
            Metrics = new MetricsOptions { Listen = "127.0.0.1:0" }, Console = new ConsoleOptions { Enabled = enabled },
        };
        options.Auth.Tokens.Add(new TokenEntry { Name = "alice-viewer", Hash = TokenHasher.Hash(ViewerToken), Roles = ["viewer"] });
        return DaemonHost.StartAsync(options);
    }

    [Fact]
    public async Task Session_ViewerToken_NamesCallerAndRoles()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/console/session");
        request.Headers.Authorization = new("Bearer", ViewerToken);
        var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("alice-viewer", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(["viewer"], json.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory]
    [InlineData(null, "needs a bearer token")]
    [InlineData("Bearer ng_wrong", "not one this daemon accepts")]
    [InlineData("Basic abc", "not 'Bearer <token>'")]
    public async Task Session_NoOrWrongToken_Is401WithReason(string? authorization, string reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/console/session");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(reason, json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Console_WithoutSlash_RedirectsToFolder()
    {
        var response = await _http.GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ConsoleFolder_ServesIndexWithStrictSecurityHeaders()
    {
        var response = await _http.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<script type=\"module\" src=\"./app.js\"></script>", html);
        Assert.Equal(ConsoleHeaders.ContentSecurityPolicy, string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("script-src 'self'", ConsoleHeaders.ContentSecurityPolicy);
        Assert.DoesNotContain("unsafe-inline", ConsoleHeaders.ContentSecurityPolicy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Theory]
    [InlineData("/console/app.js", "text/javascript")]
    [InlineData("/console/api.js", "text/javascript")]
    [InlineData("/console/views/tail.js", "text/javascript")]
    [InlineData("/console/console.css", "text/css")]
    public async Task ConsoleFiles_ServedFromAssemblyWithTheirTypeAndHeaders(string path, string type)
    {
        var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(response.Headers.Contains("Content-Security-Policy"));
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);
    }

    [Fact]
    public async Task UnknownConsoleFile_Is404WithReason()
    {
        var response = await _http.GetAsync("/console/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no console file /console/nope.js", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ConsolePost_Is405NamingAllowedMethods()
    {
        var response = await _http.PostAsync("/console/", new StringContent("x"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order());
    }

    [Fact]
    public async Task Metrics_StillServedBesideConsole()
    {
        var response = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task ConsoleDisabled_ConsoleIs404_MetricsStillServed()
    {
        string dir = Directory.CreateTempSubdirectory("ng-console-off-").FullName;
        await using (var off = await StartAsync(dir, enabled: false))
        {
            using var http = new HttpClient { BaseAddress = new Uri(off.MetricsAddress!, "/") };
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/console/")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/console/app.js")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
        }
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task ConsoleOnGrpcPort_IsNotServed()
    {
        using var http = new HttpClient { BaseAddress = _daemon.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var response = await http.GetAsync("/console/");
        // gRPC's answer for an unknown path (its status in trailers), never the page.
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
        Assert.DoesNotContain("NeuronGuard console", await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _daemon.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
