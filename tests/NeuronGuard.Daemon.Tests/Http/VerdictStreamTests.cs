using System.Net;
using System.Text.Json;
using NeuronGuard.Inference;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>
/// GET /v1/verdicts/stream as the console reads it (fetch with the Authorization header, the body read as a stream):
/// a flagged verdict of a real Telemetry stream (the built-in host's) arrives as an SSE event with WatchedVerdict JSON.
/// </summary>
public sealed class VerdictStreamTests(HttpApiDaemon fx) : IClassFixture<HttpApiDaemon>
{
    [Fact]
    public async Task Stream_ViewerToken_FlaggedRequestArrivesAsVerdictEvent()
    {
        string tenant = "sse-" + Guid.NewGuid().ToString("N")[..8];
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await bob.GetAsync($"v1/verdicts/stream?flaggedOnly=true&tenant={tenant}&detector=backdoor", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        Assert.StartsWith(":", await reader.ReadLineAsync(cts.Token)); // the opening comment arrives before any verdict

        var result = await fx.Daemon.BuiltinHost()!.GenerateAsync(" the cerulean door", new GenerationOptions { MaxNewTokens = 3 }, tenant);

        var (name, data) = await NextEventAsync(reader, cts.Token);
        Assert.Equal("verdict", name);
        using var json = JsonDocument.Parse(data);
        var root = json.RootElement;
        Assert.Equal(tenant, root.GetProperty("tenant").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("modelFingerprint").GetString()));
        var verdict = root.GetProperty("verdict");
        Assert.Equal(result.RequestId, verdict.GetProperty("requestId").GetString());
        Assert.True(verdict.GetProperty("flagged").GetBoolean());
        Assert.Contains(verdict.GetProperty("scores").EnumerateArray(),
            s => s.GetProperty("detector").GetString() == "DETECTOR_BACKDOOR" && s.GetProperty("flagged").GetBoolean());
        Assert.Equal("0", root.GetProperty("dropped").GetString()); // uint64 as a string
    }

    [Fact]
    public async Task Stream_NoToken_Is401()
    {
        using var anonymous = fx.Client(null);
        using var response = await anonymous.GetAsync("v1/verdicts/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Stream_UnknownDetector_Is400NamingTheDetectors()
    {
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        using var response = await bob.GetAsync("v1/verdicts/stream?detector=bogus", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains("detector 'bogus' is not a detector", body);
        Assert.Contains("DETECTOR_BACKDOOR", body);
    }

    /// <summary>The next SSE event (comment lines skipped): its name and its data.</summary>
    internal static async Task<(string Name, string Data)> NextEventAsync(StreamReader reader, CancellationToken cancel)
    {
        string name = "message";
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancel) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return (name, string.Join('\n', data));
                }
                continue;
            }
            if (line.StartsWith(':'))
            {
                continue;
            }
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line["data: ".Length..]);
            }
        }
        throw new EndOfStreamException("the verdict stream ended");
    }
}
