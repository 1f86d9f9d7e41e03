using System.Net;
using System.Text.Json;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>
/// A known <c>/v1/...</c> path asked with a method it does not have is 405 with <c>Allow</c> and a google.rpc.Status
/// body, on two-segment paths (where grpc-dotnet's unimplemented-service route hides routing's 405) and deeper ones;
/// an unknown path stays 404.
/// </summary>
public sealed class HttpApiMethodTests(HttpApiDaemon fx) : IClassFixture<HttpApiDaemon>
{
    [Theory]
    [InlineData("PUT", "v1/policy", "GET")]
    [InlineData("POST", "v1/policy", "GET")]
    [InlineData("DELETE", "v1/audit", "GET")]
    [InlineData("GET", "v1/policy/mitigations", "POST")]
    [InlineData("PUT", "v1/policy/mitigations/backdoor", "DELETE")]
    public async Task WrongMethod_KnownRoute_Is405WithAllow(string method, string path, string allow)
    {
        using var alice = fx.Client(HttpApiDaemon.Operator);
        using var response = await alice.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}") });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{(int)response.StatusCode}: {body}");
        Assert.Equal([allow], response.Content.Headers.Allow);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(12, json.RootElement.GetProperty("code").GetInt32()); // UNIMPLEMENTED
        Assert.Contains(method, json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task WrongMethod_NoToken_Is405_UnknownPath_Is404()
    {
        using var anonymous = fx.Client(token: null);
        using var wrong = await anonymous.DeleteAsync("v1/flagged");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrong.StatusCode);
        using var unknown = await anonymous.PutAsync("v1/nothing-here", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
