using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Policies;

/// <summary>Which entry applies to a request: the README promises a tenant entry wins over the global one for that tenant only.</summary>
public sealed class EffectivePolicyTests
{
    [Fact]
    public void Find_TenantEntryAndGlobalEntry_TenantWinsForItsTenantGlobalForTheRest()
    {
        var global = new PolicyEntry { Set = "backdoor", Mode = MitigationMode.OnFlag, Strength = 0.5f };
        var acme = new PolicyEntry { Set = "backdoor", Tenant = "acme", Mode = MitigationMode.Abort };
        var policy = EffectivePolicy.From(new PolicySnapshot(7, new Dictionary<string, string>
        {
            [global.Key] = global.ToJson(),
            [acme.Key] = acme.ToJson(),
        }), nowUnixMs: 0);

        Assert.Equal(MitigationMode.Abort, policy.ModeFor("backdoor", "acme"));
        Assert.Equal(MitigationMode.OnFlag, policy.ModeFor("backdoor", "globex"));
        Assert.Equal(MitigationMode.OnFlag, policy.ModeFor("backdoor", ""));
        Assert.Equal(0.5f, policy.Find("backdoor", "globex")!.Strength);
        Assert.Equal(MitigationMode.Off, policy.ModeFor("toxicity", "acme"));
    }

    [Fact]
    public void From_ExpiredTenantEntry_GlobalAppliesAgainToThatTenant()
    {
        var global = new PolicyEntry { Set = "toxicity", Mode = MitigationMode.Always };
        var expired = new PolicyEntry { Set = "toxicity", Tenant = "acme", Mode = MitigationMode.Off, ExpiresAtUnixMs = 1_000 };
        var policy = EffectivePolicy.From(new PolicySnapshot(3, new Dictionary<string, string>
        {
            [global.Key] = global.ToJson(),
            [expired.Key] = expired.ToJson(),
        }), nowUnixMs: 2_000);

        Assert.Equal(MitigationMode.Always, policy.ModeFor("toxicity", "acme"));
    }
}
