using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Control;
using Grpc.Core;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// Policy modes as a model server sees them on its stream: directives arrive before the verdict of the frame that
/// caused them, follow live policy changes without reconnecting, and stay within the tenant they were set for.
/// Each test uses its own tenant, so tests sharing the daemon never see each other's mitigations.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class MitigationStreamTests(TelemetryDaemon d)
{
    [Fact]
    public async Task OnFlag_TriggeredRequest_AttenuateBeforeVerdict_ThenOffRestores()
    {
        string tenant = "t-onflag";
        await using var s = await ConnectedAsync();
        ulong v1 = await SetAsync("backdoor", MitigationMode.OnFlag, tenant);
        await s.ExpectAsync(m => m.PolicyUpdate?.Policy.Version == v1, $"PolicyUpdate v{v1}");
        await s.AckAsync(v1);

        await s.StartAsync("trig", tenant);
        await s.FrameAsync("trig", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
        var verdict = await s.ExpectVerdictAsync("trig");
        Assert.True(verdict.Flagged);
        Assert.Contains(verdict.Scores, x => x.Detector == Detector.Backdoor && x.Flagged);
        Assert.Contains(verdict.TopNeurons, n => n.Set == "backdoor" && n.Slot == d.SlotOf(PlantedKind.Backdoor));
        int attenuateAt = s.Seen.FindIndex(m => m.Attenuate?.RequestId == "trig");
        Assert.True(attenuateAt >= 0 && attenuateAt < s.Seen.FindIndex(m => m.Verdict?.RequestId == "trig"), "Attenuate must precede the verdict");
        var attenuate = s.Seen[attenuateAt].Attenuate;
        Assert.False(attenuate.Shadow);
        Assert.Equal(v1, attenuate.PolicyVersion);
        var gain = Assert.Single(attenuate.Gains, g => g.Slot == d.SlotOf(PlantedKind.Backdoor));
        Assert.Equal(0f, gain.Gain); // AUROC 1.0 at strength 1: the neuron is ablated

        // A benign request of the same tenant is left alone.
        await s.StartAsync("benign", tenant);
        await s.FrameAsync("benign", 0, 3, d.Frame(3));
        Assert.False((await s.ExpectVerdictAsync("benign")).Flagged);
        Assert.DoesNotContain(s.Seen, m => m.Attenuate?.RequestId == "benign");

        // Off: the open request's gains go back to 1 without a reconnect.
        ulong v2 = await SetAsync("backdoor", MitigationMode.Off, tenant);
        await s.ExpectAsync(m => m.PolicyUpdate?.Policy.Version == v2, $"PolicyUpdate v{v2}");
        var restore = (await s.ExpectAsync(m => m.Attenuate?.RequestId == "trig" && m.Attenuate.PolicyVersion == v2, "restoring Attenuate")).Attenuate;
        Assert.Empty(restore.Gains);
    }

    [Fact]
    public async Task Shadow_ReportsGainsMarkedShadow()
    {
        string tenant = "t-shadow";
        await using var s = await ConnectedAsync();
        await SetAsync("backdoor", MitigationMode.Shadow, tenant);
        await s.StartAsync("r", tenant);
        await s.FrameAsync("r", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
        var attenuate = (await s.ExpectAsync(m => m.Attenuate?.RequestId == "r", "shadow Attenuate")).Attenuate;
        Assert.True(attenuate.Shadow);
        Assert.Contains(attenuate.Gains, g => g.Slot == d.SlotOf(PlantedKind.Backdoor) && g.Gain == 0f);
    }

    [Fact]
    public async Task Abort_FlaggedRequest_AbortedWithReason_LaterFramesIgnored()
    {
        string tenant = "t-abort";
        await using var s = await ConnectedAsync();
        await SetAsync("backdoor", MitigationMode.Abort, tenant);
        await s.StartAsync("r", tenant);
        await s.FrameAsync("r", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
        var abort = (await s.ExpectAsync(m => m.Abort?.RequestId == "r", "Abort")).Abort;
        Assert.Contains("backdoor", abort.Reason);
        Assert.Contains("abort", abort.Reason);
        await s.FrameAsync("r", 3, 1, d.Frame(1)); // in flight when the Abort went out: ignored, no error
        await s.EndAsync("r");
        await s.StartAsync("after", tenant);
        await s.FrameAsync("after", 0, 2, d.Frame(2));
        await s.ExpectVerdictAsync("after");
        Assert.DoesNotContain(s.Seen, m => m.Error?.RequestId == "r");
    }

    [Fact]
    public async Task Always_AttenuatesFromRequestStart_OnlyForItsTenant()
    {
        string tenant = "t-always";
        await using var s = await ConnectedAsync();
        await SetAsync("toxicity", MitigationMode.Always, tenant, strength: 0.5f);
        await s.StartAsync("mine", tenant);
        var attenuate = (await s.ExpectAsync(m => m.Attenuate?.RequestId == "mine", "Attenuate at start")).Attenuate;
        int toxicSlot = d.SlotOf(PlantedKind.Toxicity);
        Assert.Contains(attenuate.Gains, g => g.Slot == toxicSlot && Math.Abs(g.Gain - 0.5f) < 1e-6);
        await s.StartAsync("theirs", "t-other");
        await s.FrameAsync("theirs", 0, 2, d.Frame(2));
        await s.ExpectVerdictAsync("theirs");
        Assert.DoesNotContain(s.Seen, m => m.Attenuate?.RequestId == "theirs");
    }

    [Fact]
    public async Task PolicyAck_ReportedPerServerByGetPolicy()
    {
        await using var s = await ConnectedAsync("acker");
        ulong v = await SetAsync("safety", MitigationMode.Shadow, "t-ack");
        await s.ExpectAsync(m => m.PolicyUpdate?.Policy.Version == v, "PolicyUpdate");
        await s.AckAsync(v);
        ServerPolicyState? state = null;
        var until = DateTime.UtcNow.AddSeconds(15);
        while (state?.AckedVersion != v && DateTime.UtcNow < until)
        {
            var policy = await d.Channel.AsyncUnaryCall(ControlMethods.GetPolicy, new GetPolicyRequest());
            state = policy.Servers.FirstOrDefault(x => x.ServerId == "acker");
            await Task.Delay(10);
        }
        Assert.Equal(v, state!.AckedVersion);
        Assert.Equal("test", state.ModelId);
    }

    [Fact]
    public async Task FlaggedRequest_ListedWithTenantAndTopNeurons()
    {
        await using var s = await ConnectedAsync();
        await s.SendAsync(new ModelServerMessage { RequestStart = new RequestStart { RequestId = "listed", Tenant = "t-list", Labels = { ["route"] = "/chat" } } });
        await s.FrameAsync("listed", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
        await s.ExpectVerdictAsync("listed");
        var list = await d.Channel.AsyncUnaryCall(ControlMethods.ListFlagged, new ListFlaggedRequest { Tenant = "t-list" });
        var flagged = Assert.Single(list.Requests);
        Assert.Equal("listed", flagged.RequestId);
        Assert.Equal("/chat", flagged.Labels["route"]);
        Assert.Contains(flagged.TopNeurons, n => n.Set == "backdoor");
    }

    [Fact]
    public async Task WatchVerdicts_FlaggedOnly_SeesFlaggedVerdictsOfItsTenant()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = d.Channel.AsyncServerStreamingCall(ControlMethods.WatchVerdicts, new WatchVerdictsRequest { FlaggedOnly = true, Tenant = "t-watch" }, new(cancellationToken: cts.Token));
        await using var s = await ConnectedAsync("watched");
        // The watch is registered once its call reaches the server: keep sending a calm and a hot request until it shows.
        var next = watch.ResponseStream.MoveNext(cts.Token);
        for (int i = 0; !next.IsCompleted; i++)
        {
            await s.StartAsync($"calm-{i}", "t-watch");
            await s.FrameAsync($"calm-{i}", 0, 2, d.Frame(2));
            await s.StartAsync($"hot-{i}", "t-watch");
            await s.FrameAsync($"hot-{i}", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
            await Task.WhenAny(next, Task.Delay(300));
        }
        Assert.True(await next);
        var seen = watch.ResponseStream.Current;
        Assert.StartsWith("hot-", seen.Verdict.RequestId);
        Assert.Equal("watched", seen.ServerId);
        Assert.True(seen.Verdict.Flagged);
    }

    [Fact]
    public async Task SetMitigation_StaleExpectedVersion_Aborted_InvalidInput_InvalidArgument()
    {
        ulong v = await SetAsync("toxicity", MitigationMode.Shadow, "t-cas");
        var stale = await Assert.ThrowsAsync<RpcException>(() => d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation,
            new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.Off, Tenant = "t-cas", ExpectedVersion = v - 1 }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Contains($"not the expected version {v - 1}", stale.Status.Detail);
        var ok = await d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation,
            new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.Off, Tenant = "t-cas", ExpectedVersion = v });
        Assert.Equal(v + 1, ok.Policy.Version);

        foreach (var (bad, says) in new (SetMitigationRequest, string)[]
        {
            (new() { Mode = MitigationMode.OnFlag }, "set is empty"),
            (new() { Set = "toxicity" }, "mode is missing"),
            (new() { Set = "toxicity", Mode = MitigationMode.OnFlag, Strength = 1.5f }, "outside [0, 1]"),
            (new() { Set = "toxicity", Mode = MitigationMode.OnFlag, Strength = float.NaN }, "outside [0, 1]"),
            (new() { Set = "toxicity", Mode = MitigationMode.OnFlag, Preset = GainPreset.Det0 }, "top_k"),
            (new() { Set = "a/b", Mode = MitigationMode.OnFlag }, "no '/'"),
        })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation, bad).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Contains(says, e.Status.Detail);
        }
    }

    [Fact]
    public async Task SetMitigation_Audited_AttributedToCaller()
    {
        ulong v = await SetAsync("safety", MitigationMode.Shadow, "t-audit");
        var audit = await d.Channel.AsyncUnaryCall(ControlMethods.GetAudit, new GetAuditRequest { Limit = 20 });
        var entry = audit.Entries.First(e => e.PolicyVersion == v);
        Assert.Equal("policy.set", entry.Action);
        Assert.Equal("anonymous", entry.Actor);
        Assert.Contains("safety/tenant:t-audit", entry.Detail);
    }

    [Fact]
    public async Task Ttl_EntryExpires_RemovedFromPolicyAndAudited()
    {
        await using var s = await ConnectedAsync();
        var set = await d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest
        {
            Set = "backdoor", Mode = MitigationMode.OnFlag, Strength = 1, Tenant = "t-ttl", TtlSeconds = 1,
        });
        var mine = Assert.Single(set.Policy.Mitigations, m => m.Tenant == "t-ttl");
        Assert.InRange(mine.ExpiresAtUnixMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, 1500);
        var update = await s.ExpectAsync(m => m.PolicyUpdate is { } u && u.Policy.Version > set.Policy.Version
            && u.Policy.Mitigations.All(x => x.Tenant != "t-ttl"), "PolicyUpdate without the expired entry");
        var audit = await d.Channel.AsyncUnaryCall(ControlMethods.GetAudit, new GetAuditRequest { Limit = 50 });
        Assert.Contains(audit.Entries, e => e.Actor.Contains("ttl expiry") && e.Detail.Contains("backdoor/tenant:t-ttl"));
        // Removed on time, not early: the update came once the entry's expiry had passed.
        Assert.True(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= mine.ExpiresAtUnixMs, $"expired early: {update}");
    }

    private async Task<ulong> SetAsync(string set, MitigationMode mode, string tenant, float strength = 1f)
    {
        var r = await d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest
        {
            Set = set, Mode = mode, Strength = strength, Tenant = tenant, Reason = "test",
        });
        return r.Policy.Version;
    }

    private async Task<RawModelServer> ConnectedAsync(string serverId = "raw")
    {
        var s = new RawModelServer(d.Channel);
        await s.HelloAsync(d.Fingerprint, serverId);
        await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
        return s;
    }
}
