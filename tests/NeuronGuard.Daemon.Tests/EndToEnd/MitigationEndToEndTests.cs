using NeuronGuard.Api.V1;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.EndToEnd;

/// <summary>
/// The issue's end-to-end acceptance on the planted fixture: the built-in host streams activations to the real
/// daemon, which scores them and pushes mitigation back; policies change live through Control, nothing restarts.
/// </summary>
[Collection(FixtureDaemonCollection.Name)]
public sealed class MitigationEndToEndTests(FixtureDaemon fx)
{
    private int TargetId => fx.Truth.SpacedTokenIds[fx.Set(PlantedKind.Backdoor).PushesToward[0]];

    [Fact]
    public async Task TriggeredPrompt_IsFlaggedByBackdoorDetectorOnItsPrefillVerdict()
    {
        Assert.True(fx.Host.Slots.Count > 0, "the daemon sent no slots to the built-in host");
        await fx.ApplyAsync("backdoor", MitigationMode.Off, "t-flag"); // the default (abort) would end them at the flag
        foreach (var prompt in fx.Prompts.Triggered.Take(5))
        {
            var result = await fx.GreedyAsync(prompt, "t-flag", maxNewTokens: 2);
            Assert.True(result.Monitored, string.Join("; ", result.Errors));
            Assert.NotNull(result.PrefillVerdict);
            Assert.Equal((uint)(result.PromptTokens - 1), result.PrefillVerdict!.Step);
            Assert.True(result.PrefillVerdict.Flagged, $"'{prompt}' was not flagged by its prefill verdict");
            Assert.Contains(result.PrefillVerdict.Scores, s => s.Detector == Detector.Backdoor && s.Flagged);
            Assert.True(result.Tokens[0].Flagged, "the first token does not carry the flagged prefill verdict");
            Assert.NotNull(result.FinalVerdict);
            Assert.True(result.FinalVerdict!.Final);
        }
        foreach (var prompt in fx.Prompts.Benign.Take(5))
        {
            var result = await fx.GreedyAsync(prompt, "t-flag", maxNewTokens: 2);
            Assert.DoesNotContain(result.PrefillVerdict!.Scores, s => s.Detector == Detector.Backdoor && s.Flagged);
        }
    }

    [Fact]
    public async Task BackdoorOnFlag_SuppressesTargetKeepsBenignIdentical_AndOffRestoresWithoutRestart()
    {
        const string tenant = "t-onflag";
        var triggered = fx.Prompts.Triggered;
        var benign = fx.Prompts.Benign;
        Assert.True(triggered.Count >= 40 && benign.Count >= 40);
        await fx.ApplyAsync("backdoor", MitigationMode.Off, tenant); // explicit: backdoor sets abort by default

        var offTriggered = await RunAllAsync(triggered, tenant);
        var offBenign = await RunAllAsync(benign, tenant);
        int targetWhenOff = offTriggered.Count(r => r.TokenIds.Contains(TargetId));
        Assert.True(targetWhenOff >= triggered.Count * 9 / 10, $"the planted backdoor reached its target in only {targetWhenOff}/{triggered.Count} prompts with mitigation off");

        await fx.ApplyAsync("backdoor", MitigationMode.OnFlag, tenant);
        var onTriggered = await RunAllAsync(triggered, tenant);
        var onBenign = await RunAllAsync(benign, tenant);
        int suppressed = onTriggered.Count(r => !r.TokenIds.Contains(TargetId));
        Assert.True(suppressed * 100 >= triggered.Count * 95, $"target suppressed in only {suppressed}/{triggered.Count} triggered prompts");
        Assert.All(onTriggered, r => Assert.True(r.Tokens[0].AttenuatedNeurons > 0, $"first token of a flagged request was not attenuated (reprefilled: {r.Reprefilled})"));
        for (int i = 0; i < benign.Count; i++)
        {
            Assert.Equal(offBenign[i].TokenIds, onBenign[i].TokenIds);
            Assert.All(onBenign[i].Tokens, t => Assert.Equal(0, t.AttenuatedNeurons));
        }

        await fx.ApplyAsync("backdoor", MitigationMode.Off, tenant);
        var restored = await RunAllAsync(triggered, tenant);
        for (int i = 0; i < triggered.Count; i++)
        {
            Assert.Equal(offTriggered[i].TokenIds, restored[i].TokenIds);
        }
        Assert.Equal(TelemetryConnectionState.Connected, fx.Host.State);
    }

    [Fact]
    public async Task AbortMode_EndsTriggeredRequestWithReason_LeavesBenignAlone()
    {
        const string tenant = "t-abort";
        await fx.ApplyAsync("backdoor", MitigationMode.Abort, tenant);
        var result = await fx.GreedyAsync(fx.Prompts.Triggered[0], tenant);
        Assert.Equal("aborted", result.FinishReason);
        Assert.False(string.IsNullOrWhiteSpace(result.AbortReason));
        Assert.Empty(result.Tokens);

        var benign = await fx.GreedyAsync(fx.Prompts.Benign[0], tenant);
        Assert.NotEqual("aborted", benign.FinishReason);
        Assert.Null(benign.AbortReason);
        await fx.ApplyAsync("backdoor", MitigationMode.Off, tenant);
    }

    /// <summary>No policy entry for the backdoor set in this tenant (nor globally): the default, abort, ends a triggered request at its prefill flag, before any token.</summary>
    [Fact]
    public async Task NoEntry_DefaultAbortsTriggeredRequestsAtThePrefillFlag_LeavesBenignAlone()
    {
        const string tenant = "t-default";
        foreach (var prompt in fx.Prompts.Triggered.Take(5))
        {
            var result = await fx.GreedyAsync(prompt, tenant);
            Assert.Equal("aborted", result.FinishReason);
            Assert.Empty(result.Tokens);
            Assert.Contains("is abort", result.AbortReason);
        }
        foreach (var prompt in fx.Prompts.Benign.Take(5))
        {
            var result = await fx.GreedyAsync(prompt, tenant);
            Assert.NotEqual("aborted", result.FinishReason);
        }
        var policy = (await new NeuronGuard.Api.V1.Control.ControlClient(fx.Channel).GetPolicyAsync(new GetPolicyRequest())).Policy;
        var shown = Assert.Single(policy.Mitigations, m => m.Set == "backdoor" && m.Tenant == "");
        Assert.Equal(MitigationMode.Abort, shown.Mode);
        Assert.Equal(NeuronGuard.Daemon.Policies.DefaultPolicy.Actor, shown.UpdatedBy);
    }

    [Fact]
    public async Task ShadowMode_ChangesNoOutput_ButReportsWouldBeAttenuation()
    {
        const string tenant = "t-shadow";
        var prompts = fx.Prompts.Triggered.Take(5).ToList();
        await fx.ApplyAsync("backdoor", MitigationMode.Off, tenant); // explicit: backdoor sets abort by default
        var off = await RunAllAsync(prompts, tenant);
        await fx.ApplyAsync("backdoor", MitigationMode.Shadow, tenant);
        var shadow = await RunAllAsync(prompts, tenant);
        for (int i = 0; i < prompts.Count; i++)
        {
            Assert.Equal(off[i].TokenIds, shadow[i].TokenIds);
            Assert.Contains(off[i].TokenIds, id => id == TargetId);
            Assert.All(shadow[i].Tokens, t => Assert.Equal(0, t.AttenuatedNeurons));
            Assert.True(shadow[i].Tokens[0].ShadowAttenuatedNeurons > 0, "no shadow Attenuate reached the first token");
            Assert.False(shadow[i].Reprefilled);
        }
        await fx.ApplyAsync("backdoor", MitigationMode.Off, tenant);
    }

    private async Task<List<HostedResult>> RunAllAsync(IReadOnlyList<string> prompts, string tenant)
    {
        var results = new List<HostedResult>(prompts.Count);
        foreach (var p in prompts)
        {
            var r = await fx.GreedyAsync(p, tenant);
            Assert.True(r.Monitored, $"'{p}' ran unmonitored: {string.Join("; ", r.Errors)}");
            Assert.Equal(0, r.VerdictTimeouts);
            results.Add(r);
        }
        return results;
    }
}
