using System.Net;
using System.Text;
using System.Text.Json;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>
/// The Catalogs and Baselines routes and the request shapes the API accepts, on a real daemon with the built-in model
/// (its catalog and baseline bootstrapped into the store).
/// </summary>
public sealed class RecordRoutesTests(HttpApiDaemon fx) : IClassFixture<HttpApiDaemon>
{
    private string Fingerprint => Assert.Single(fx.Daemon.Context.Sync.Models);

    [Fact]
    public async Task Catalog_ActiveListedAndByVersion_SameAsTheStore()
    {
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        using var list = JsonDocument.Parse(await bob.GetStringAsync($"v1/models/{Fingerprint}/catalogs"));
        string active = list.RootElement.GetProperty("activeVersion").GetString()!;
        Assert.Equal(fx.Daemon.Context.Sync.GetModel(Fingerprint)!.Catalog!.Info.Version, active);

        using var current = JsonDocument.Parse(await bob.GetStringAsync($"v1/models/{Fingerprint}/catalog"));
        Assert.Equal(active, current.RootElement.GetProperty("version").GetString());
        Assert.Contains(current.RootElement.GetProperty("sets").EnumerateArray(), s => s.GetProperty("name").GetString() == "backdoor");

        using var byVersion = JsonDocument.Parse(await bob.GetStringAsync($"v1/models/{Fingerprint}/catalogs/{active}"));
        Assert.Equal(current.RootElement.GetProperty("sets").GetArrayLength(), byVersion.RootElement.GetProperty("sets").GetArrayLength());
    }

    [Fact]
    public async Task Catalog_UnknownModel_Is404()
    {
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        var response = await bob.GetAsync("v1/models/0000000000000000000000000000000000000000000000000000000000000000/catalogs/nope");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ActivateCatalog_ViewerToken_Is403()
    {
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        var response = await bob.PostAsync($"v1/models/{Fingerprint}/catalogs/whatever:activate", null);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Baselines_ListedWithTheActiveOne()
    {
        using var bob = fx.Client(HttpApiDaemon.Viewer);
        using var list = JsonDocument.Parse(await bob.GetStringAsync($"v1/models/{Fingerprint}/baselines"));
        string active = list.RootElement.GetProperty("activeVersion").GetString()!;
        Assert.Contains(list.RootElement.GetProperty("versions").EnumerateArray(), v => v.GetString() == active);
        var info = await bob.GetAsync($"v1/models/{Fingerprint}/baselines/{active}");
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
    }

    [Fact]
    public async Task SetThenDelete_ProtoFieldNamesAndCompareAndSetQuery_Accepted()
    {
        using var alice = fx.Client(HttpApiDaemon.Operator);
        string tenant = "http-names-" + Guid.NewGuid().ToString("N")[..8];
        // Proto field names in the body, as well as lowerCamelCase.
        var set = await alice.PostAsync("v1/policy/mitigations", new StringContent(
            $$"""{"set":"toxicity","mode":"MITIGATION_MODE_SHADOW","tenant":"{{tenant}}","ttl_seconds":600}""", Encoding.UTF8, "application/json"));
        string body = await set.Content.ReadAsStringAsync();
        Assert.True(set.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        string version = json.RootElement.GetProperty("policy").GetProperty("version").GetString()!;

        // ABORTED (409) when the policy is not at the expected version: the query parameter reached the request.
        var stale = await alice.DeleteAsync($"v1/policy/mitigations/toxicity?tenant={tenant}&expectedVersion={ulong.Parse(version) + 1000}");
        Assert.True(stale.StatusCode == HttpStatusCode.Conflict, stale.StatusCode + await stale.Content.ReadAsStringAsync());

        var delete = await alice.DeleteAsync($"v1/policy/mitigations/toxicity?tenant={tenant}&expected_version={version}");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
    }

    [Fact]
    public async Task WrongMethod_Is405NamingMethodAndPath()
    {
        using var alice = fx.Client(HttpApiDaemon.Operator);
        var response = await alice.PutAsync("v1/policy", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode); // HttpApiMethodTests has the Allow header
        Assert.Contains("/v1/policy has no method PUT: use GET", await response.Content.ReadAsStringAsync());
    }
}
