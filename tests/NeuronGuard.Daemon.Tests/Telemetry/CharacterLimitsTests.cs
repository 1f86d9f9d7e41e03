using Grpc.Core;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Daemon.Telemetry;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// Limits count characters (Unicode scalar values) as docs/telemetry.md says, not UTF-16 units: 256 emoji are a
/// 256-character id; a combining mark is a character of its own. Each limit at exactly the limit and one past.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class CharacterLimitsTests(TelemetryDaemon d)
{
    private const string Emoji = "\U0001F600"; // two UTF-16 units, one scalar value
    private const string CombiningE = "e\u0301"; // two scalar values: e and COMBINING ACUTE ACCENT

    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    [Theory]
    [InlineData("a", 256, true)]
    [InlineData("a", 257, false)]
    [InlineData(Emoji, 256, true)]
    [InlineData(Emoji, 257, false)]
    public void ScalarLength_CountsSurrogatePairsOnce(string unit, int count, bool fits)
    {
        var id = Repeat(unit, count);
        Assert.Equal(count, MessageLimits.ScalarLength(id));
        Assert.Equal(fits, MessageLimits.CheckId("request_id", id) is null);
    }

    [Fact]
    public void ScalarLength_CombiningMarksAndLoneSurrogates_CountOneEach()
    {
        Assert.Equal(256, MessageLimits.ScalarLength(Repeat(CombiningE, 128)));
        Assert.Null(MessageLimits.CheckId("request_id", Repeat(CombiningE, 128)));
        Assert.Contains("257 characters long", MessageLimits.CheckId("request_id", Repeat(CombiningE, 128) + "e"));
        Assert.Equal(3, MessageLimits.ScalarLength("\uD800a\uDC00"));
    }

    [Fact]
    public async Task RequestStart_256EmojiId_Served_257Refused()
    {
        await using var s = await ConnectedAsync();
        var id = Repeat(Emoji, 256);
        await s.StartAsync(id);
        await s.FrameAsync(id, 0, 4, d.Frame(4));
        Assert.False((await s.ExpectVerdictAsync(id)).Flagged);
        await s.EndAsync(id);
        Assert.True((await s.ExpectVerdictAsync(id, final: true)).Final);

        await s.StartAsync(id + Emoji);
        var error = (await s.ExpectErrorAsync("", StatusCode.InvalidArgument)).Error;
        Assert.Contains("request_id is 257 characters long; the limit is 256", error.Message);
    }

    [Fact]
    public async Task RequestStart_Tenant128CombiningCharacters_Served_129Refused()
    {
        await using var s = await ConnectedAsync();
        await s.StartAsync("tenant-at-limit", tenant: Repeat(CombiningE, 64));
        await s.FrameAsync("tenant-at-limit", 0, 4, d.Frame(4));
        Assert.False((await s.ExpectVerdictAsync("tenant-at-limit")).Flagged);

        await s.StartAsync("tenant-past-limit", tenant: Repeat(CombiningE, 64) + "x");
        Assert.Contains("tenant is 129 characters", (await s.ExpectErrorAsync("tenant-past-limit", StatusCode.InvalidArgument)).Error.Message);
    }

    [Fact]
    public async Task Hello_CatalogVersionAtLimitWelcomed_OnePastRefused()
    {
        await using (var over = new RawModelServer(d.Channel))
        {
            await over.HelloAsync(d.Fingerprint, "cv-over", catalogVersion: new string('v', 257));
            Assert.Contains("Hello.catalog_version is 257 characters long; the limit is 256",
                (await over.ExpectErrorAsync("", StatusCode.InvalidArgument)).Error.Message);
        }
        await using var at = new RawModelServer(d.Channel);
        await at.HelloAsync(d.Fingerprint, "cv-at", catalogVersion: Repeat(Emoji, 256));
        await at.ExpectAsync(m => m.Welcome is not null, "Welcome for a Hello whose catalog_version is exactly 256 characters");
    }

    [Theory]
    [InlineData(128, true)]
    [InlineData(129, false)]
    public void Policy_SetTenantAndReason_CountedInCharacters(int count, bool fits)
    {
        var now = DateTimeOffset.UtcNow;
        var set = new SetMitigationRequest { Set = Repeat(Emoji, count), Mode = MitigationMode.Shadow };
        var tenant = new SetMitigationRequest { Set = "s", Tenant = Repeat(Emoji, count), Mode = MitigationMode.Shadow };
        var reason = new SetMitigationRequest { Set = "s", Reason = Repeat(Emoji, count * 8), Mode = MitigationMode.Shadow };
        foreach (var request in new[] { set, tenant, reason })
        {
            if (fits)
            {
                PolicyManager.Validate(request, "alice", now);
            }
            else
            {
                Assert.Throws<ArgumentException>(() => PolicyManager.Validate(request, "alice", now));
            }
        }
    }

    private async Task<RawModelServer> ConnectedAsync()
    {
        var s = new RawModelServer(d.Channel);
        await s.HelloAsync(d.Fingerprint, "chars");
        await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
        return s;
    }
}
