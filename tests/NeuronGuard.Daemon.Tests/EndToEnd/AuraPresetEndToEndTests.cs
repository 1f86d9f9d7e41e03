using NeuronGuard.Api.V1;
using NeuronGuard.ModelServer.BuiltinHost;

namespace NeuronGuard.Daemon.Tests.EndToEnd;

/// <summary>
/// AurA as the paper has it is the default (issue 26 item 5): a SetMitigation naming neither preset, strength nor
/// top-k stores aura at strength 1 with no cut, and the built-in host then dampens every catalogued neuron of the set
/// with AUROC &gt; 0.5 (the fixture catalogs every planted neuron at AUROC 1); an explicit top-k still cuts it.
/// </summary>
[Collection(FixtureDaemonCollection.Name)]
public sealed class AuraPresetEndToEndTests(FixtureDaemon fx)
{
    [Fact]
    public async Task DefaultPreset_DampensEveryNeuronAboveHalf_ExplicitTopKCutsIt()
    {
        const string tenant = "t-paper-aura";
        var planted = fx.Truth.Sets.MaxBy(s => s.Neurons.Distinct().Count())!;
        string set = planted.Kind.ToString().ToLowerInvariant();
        int setSize = planted.Neurons.Distinct().Count();
        Assert.True(setSize >= 2, $"the fixture's largest set ({set}) has {setSize} neurons; the test needs at least 2");

        var response = await fx.Channel.AsyncUnaryCall(BuiltinHostMethods.SetMitigation, new SetMitigationRequest
        {
            Set = set, Mode = MitigationMode.Always, Tenant = tenant, Reason = "paper AurA default",
        });
        var entry = Assert.Single(response.Policy.Mitigations, m => m.Set == set && m.Tenant == tenant);
        Assert.Equal(GainPreset.Aura, entry.Preset);
        Assert.Equal(1f, entry.Strength);
        Assert.Equal(0u, entry.TopK);
        await fx.WaitForPolicyAsync(response.Policy.Version);
        var paper = await fx.GreedyAsync(fx.Prompts.Benign[0], tenant, maxNewTokens: 2);
        Assert.True(paper.Monitored, string.Join("; ", paper.Errors));
        Assert.All(paper.Tokens, t => Assert.Equal(setSize, t.AttenuatedNeurons));

        await fx.WaitForPolicyAsync(await fx.SetMitigationAsync(set, MitigationMode.Always, tenant, GainPreset.Aura, 1f, topK: 1));
        var cut = await fx.GreedyAsync(fx.Prompts.Benign[0], tenant, maxNewTokens: 2);
        Assert.All(cut.Tokens, t => Assert.Equal(1, t.AttenuatedNeurons));

        await fx.ApplyAsync(set, MitigationMode.Off, tenant);
    }
}
