using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using NeuronGuard.Daemon.Tests.Infrastructure;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>
/// The HTTP/JSON API on a real daemon's admin listener with tokens: the same roles as gRPC (viewer reads, operator
/// writes, no token refused), writes audited under the token's name, bad bodies answered 400 while the daemon serves on.
/// </summary>
public sealed class HttpApiAuthTests(HttpApiDaemon fx) : IClassFixture<HttpApiDaemon>
{
    [Fact]
    public async Task Curl_GetPolicy_WithViewerToken_AnswersPolicyJson()
    {
        var (code, stdout, stderr) = await CurlAsync("-sS", "-w", "\n%{http_code}", "-H", $"Authorization: Bearer {HttpApiDaemon.Viewer}",
            new Uri(fx.Admin, "v1/policy").ToString());
        Assert.True(code == 0, stderr);
        var lines = stdout.TrimEnd().Split('\n');
        Assert.Equal("200", lines[^1]);
        using var json = JsonDocument.Parse(string.Join('\n', lines[..^1]));
        var policy = json.RootElement.GetProperty("policy");
        Assert.Equal(JsonValueKind.String, policy.GetProperty("version").ValueKind); // uint64 as a string, as proto3 JSON has it
        // The built-in host is connected and appears with its acknowledged version.
        Assert.Contains(json.RootElement.GetProperty("servers").EnumerateArray(), s => s.GetProperty("serverId").GetString()!.Length > 0);
    }

    [Fact]
    public async Task PostSetMitigation_OperatorToken_ChangesPolicyAndAuditsTokenName()
    {
        using var alice = fx.Client(HttpApiDaemon.Operator);
        string tenant = "http-set-" + Guid.NewGuid().ToString("N")[..8];
        var response = await alice.PostAsync("v1/policy/mitigations", Json(
            $$"""{"set":"backdoor","mode":"MITIGATION_MODE_ON_FLAG","tenant":"{{tenant}}","reason":"http test"}"""));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        ulong version = ulong.Parse(json.RootElement.GetProperty("policy").GetProperty("version").GetString()!);
        Assert.Equal(version, (ulong)fx.Daemon.Context.Policy.Current.Version);

        using var bob = fx.Client(HttpApiDaemon.Viewer);
        using var audit = JsonDocument.Parse(await bob.GetStringAsync("v1/audit?limit=50"));
        var entry = audit.RootElement.GetProperty("entries").EnumerateArray()
            .First(e => e.GetProperty("detail").GetString()!.Contains(tenant, StringComparison.Ordinal));
        Assert.Equal("alice", entry.GetProperty("actor").GetString());
        Assert.Equal("policy.set", entry.GetProperty("action").GetString());
        Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.GetProperty("policyVersion").GetString());
    }

    [Fact]
    public async Task PostSetMitigation_ViewerToken_Is403WithTheRoleItNeeds()
    {
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        long before = fx.Daemon.Context.Policy.Current.Version;
        var response = await bob.PostAsync("v1/policy/mitigations", Json("""{"set":"backdoor","mode":"MITIGATION_MODE_ON_FLAG","tenant":"http-viewer"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(7, json.RootElement.GetProperty("code").GetInt32()); // PERMISSION_DENIED
        Assert.Contains("token 'bob' has role(s) viewer", json.RootElement.GetProperty("message").GetString());
        Assert.Contains("needs operator", json.RootElement.GetProperty("message").GetString());
        Assert.Equal(before, fx.Daemon.Context.Policy.Current.Version);
    }

    [Fact]
    public async Task GetPolicy_NoToken_Is401WithBearerChallenge()
    {
        using var anonymous = fx.Client(null);
        var response = await anonymous.GetAsync("v1/policy");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(16, json.RootElement.GetProperty("code").GetInt32()); // UNAUTHENTICATED
        Assert.Contains("Authorization: Bearer <token>", json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task GetPolicy_UnknownToken_Is401SayingTheTokenIsNotAccepted()
    {
        using var stranger = fx.Client("not-a-token-this-daemon-knows");
        var response = await stranger.GetAsync("v1/policy");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("not one this daemon accepts", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostSetMitigation_MalformedJson_Is400AndTheDaemonKeepsServing()
    {
        using var alice = fx.Client(HttpApiDaemon.Operator);
        var response = await alice.PostAsync("v1/policy/mitigations", Json("""{"set":"backdoor","mode": """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, json.RootElement.GetProperty("code").GetInt32()); // INVALID_ARGUMENT
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("message").GetString()));

        var wrongType = await alice.PostAsync("v1/policy/mitigations", Json("""{"set":"backdoor","mode":"NOT_A_MODE"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);

        var next = await alice.GetAsync("v1/policy");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task PostSetMitigation_UnknownSet_IsFailedPreconditionAs400LikeGrpc()
    {
        using var alice = fx.Client(HttpApiDaemon.Operator);
        var response = await alice.PostAsync("v1/policy/mitigations", Json("""{"set":"no-such-set","mode":"MITIGATION_MODE_ALWAYS","tenant":"http-unknown"}"""));
        string body = await response.Content.ReadAsStringAsync();
        // gRPC answers FAILED_PRECONDITION (9); the transcoder maps it to HTTP 400 (google.rpc's mapping).
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(9, json.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("no-such-set", json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task DeleteMitigation_NoSuchEntry_Is404()
    {
        using var alice = fx.Client(HttpApiDaemon.Operator);
        var response = await alice.DeleteAsync("v1/policy/mitigations/backdoor?tenant=http-nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_OnAdminListener_Is404JsonAndMetricsStillServe()
    {
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        var response = await bob.GetAsync("v1/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("docs/http.md", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("metrics")).StatusCode);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    /// <summary>Runs the real /usr/bin/curl.</summary>
    internal static async Task<(int Code, string Stdout, string Stderr)> CurlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
