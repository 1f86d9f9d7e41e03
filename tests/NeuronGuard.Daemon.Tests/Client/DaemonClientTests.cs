using NeuronGuard.Api.V1;
using NeuronGuard.Client;
using NeuronGuard.Daemon.Tests.Telemetry;

namespace NeuronGuard.Daemon.Tests.Client;

/// <summary>
/// NeuronGuard.Client on its own: it links only the API and gRPC's client (no daemon, Redis or prometheus-net), its
/// typed clients talk to a real daemon, and its reconnect backoff grows with jitter, stays under its cap and gives up
/// only on a failure the caller calls permanent.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class DaemonClientTests(TelemetryDaemon d)
{
    [Fact]
    public void ClientAssembly_ReferencesNoServerLibrary()
    {
        var names = typeof(DaemonClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("NeuronGuard.Api", names);
        Assert.Contains("Grpc.Net.Client", names);
        foreach (var server in new[] { "NeuronGuard.Daemon", "NeuronGuard.Storage", "NeuronGuard.Engine", "StackExchange.Redis", "Prometheus.NetStandard", "Prometheus.AspNetCore" })
        {
            Assert.DoesNotContain(server, names);
        }
    }

    [Fact]
    public async Task TypedClients_ReachARealDaemon()
    {
        using var client = DaemonClient.Connect(d.Daemon.Address, token: "unused-without-auth");
        var policy = await client.Control.GetPolicyAsync(new GetPolicyRequest());
        Assert.Equal((ulong)d.Daemon.Context.Policy.Current.Version, policy.Policy.Version);
        var catalogs = await client.Catalogs.ListCatalogsAsync(new ListCatalogsRequest { ModelFingerprint = d.Fingerprint });
        Assert.Equal("fixture-1", catalogs.ActiveVersion);
    }

    [Fact]
    public async Task ReconnectBackoff_RetriesWithJitteredCappedDelays_UntilSuccess()
    {
        var delays = new List<TimeSpan>();
        var pipeline = ReconnectBackoff.Create(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(8), (_, delay) => delays.Add(delay));
        int attempts = 0;
        int result = await pipeline.ExecuteAsync(_ => ++attempts < 12 ? throw new IOException("refused") : ValueTask.FromResult(attempts));
        Assert.Equal(12, result);
        Assert.Equal(11, delays.Count);
        Assert.All(delays, x => Assert.InRange(x, TimeSpan.Zero, TimeSpan.FromMilliseconds(8)));
        Assert.True(delays.Distinct().Count() > 1, "jitter: the delays are not all the same: " + string.Join(", ", delays));
    }

    [Fact]
    public async Task ReconnectBackoff_PermanentFailure_IsThrownAtOnce()
    {
        int attempts = 0;
        var pipeline = ReconnectBackoff.Create(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), permanent: e => e is UnauthorizedAccessException);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(async () =>
            await pipeline.ExecuteAsync(_ => { attempts++; throw new UnauthorizedAccessException("refused token"); }));
        Assert.Equal(1, attempts);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReconnectBackoff.Create(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
    }
}
