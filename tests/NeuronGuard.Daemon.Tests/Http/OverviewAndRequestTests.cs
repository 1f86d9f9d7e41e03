using System.Net;
using System.Text.Json;
using NeuronGuard.Inference;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>
/// GET /v1/overview and GET /v1/requests/{id} on a real daemon whose built-in host streams real Telemetry: the console's
/// front page and a request's page.
/// </summary>
public sealed class OverviewAndRequestTests(HttpApiDaemon fx) : IClassFixture<HttpApiDaemon>
{
    [Fact]
    public async Task Overview_ListsConnectedServerWithFingerprintAndCountsAFlaggedRequest()
    {
        var host = fx.Daemon.BuiltinHost()!;
        await host.GenerateAsync(" the cerulean door", new GenerationOptions { MaxNewTokens = 3 }, "overview-" + Guid.NewGuid().ToString("N")[..8]);
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        var response = await bob.GetAsync("v1/overview");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var server = Assert.Single(root.GetProperty("servers").EnumerateArray());
        Assert.Equal(Assert.Single(fx.Daemon.Context.Sync.Models), server.GetProperty("modelFingerprint").GetString(), ignoreCase: true);
        Assert.True(server.GetProperty("monitored").GetBoolean());
        Assert.NotEqual("", server.GetProperty("catalogVersion").GetString());
        Assert.NotEqual("", server.GetProperty("baselineVersion").GetString());
        Assert.True(root.GetProperty("store").GetProperty("canServe").GetBoolean());
        Assert.Equal("embedded", root.GetProperty("store").GetProperty("backend").GetString());
        var counters = root.GetProperty("counters");
        Assert.True(ulong.Parse(counters.GetProperty("requestsFlagged").GetString()!) >= 1);
        Assert.Contains(counters.GetProperty("flaggedByDetector").EnumerateArray(), d => d.GetProperty("detector").GetString() == "DETECTOR_BACKDOOR");
        Assert.Empty(root.GetProperty("unmonitoredModels").EnumerateArray()); // the one expected model is monitored
    }

    [Fact]
    public async Task GetRequest_RequestThatJustRan_AnswersItsScoresStepByStep()
    {
        string tenant = "req-" + Guid.NewGuid().ToString("N")[..8];
        var result = await fx.Daemon.BuiltinHost()!.GenerateAsync(" the cerulean door", new GenerationOptions { MaxNewTokens = 3 }, tenant);
        using var bob = fx.Client(HttpApiDaemon.Viewer);

        var response = await bob.GetAsync($"v1/requests/{Uri.EscapeDataString(result.RequestId)}");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal(result.RequestId, root.GetProperty("requestId").GetString());
        Assert.Equal(tenant, root.GetProperty("tenant").GetString());
        Assert.True(root.GetProperty("flagged").GetBoolean());
        Assert.NotEqual("0", root.GetProperty("endedAtUnixMs").GetString());
        var steps = root.GetProperty("steps").EnumerateArray().ToList();
        Assert.True(steps.Count >= 2, body); // one verdict per frame (prompt, then each generated token) and the final one
        Assert.True(steps[^1].GetProperty("final").GetBoolean());
        Assert.All(steps, s => Assert.NotEmpty(s.GetProperty("scores").EnumerateArray()));
        Assert.Contains(steps, s => s.GetProperty("scores").EnumerateArray()
            .Any(d => d.GetProperty("detector").GetString() == "DETECTOR_BACKDOOR" && d.GetProperty("flagged").GetBoolean()));
        Assert.NotEmpty(root.GetProperty("topNeurons").EnumerateArray());
        // Top neurons carry the catalog's logit-lens explanations: the fixture's backdoor neuron writes toward " unlocked".
        Assert.Contains(root.GetProperty("topNeurons").EnumerateArray(), n =>
            n.TryGetProperty("explanation", out var e) && e.ValueKind == JsonValueKind.Object
            && e.GetProperty("promotes").EnumerateArray().Any(t => t.GetString() == " unlocked"));

        // serverId picks the server; another server's id finds nothing.
        string serverId = root.GetProperty("serverId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"v1/requests/{Uri.EscapeDataString(result.RequestId)}?serverId={Uri.EscapeDataString(serverId)}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"v1/requests/{Uri.EscapeDataString(result.RequestId)}?serverId=someone-else")).StatusCode);
    }

    [Fact]
    public async Task GetRequest_UnknownId_Is404SayingItIsNotInTheHistory()
    {
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        var response = await bob.GetAsync("v1/requests/never-ran-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(5, json.RootElement.GetProperty("code").GetInt32()); // NOT_FOUND
        Assert.Contains("not in the history", json.RootElement.GetProperty("message").GetString());
    }
}
