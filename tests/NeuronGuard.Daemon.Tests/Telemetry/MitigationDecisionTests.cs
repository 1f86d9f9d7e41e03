using MitigationMode = NeuronGuard.Api.V1.MitigationMode;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Daemon.Telemetry;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// The mitigation decision as data, without a stream: which gains are applied or shadowed, what is counted, and an
/// abort naming its set and detector (the set comes from the decision, not from parsing the reason text).
/// </summary>
public sealed class MitigationDecisionTests
{
    private const string Fingerprint = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    private static readonly MonitorPlan Plan = CreatePlan();

    [Fact]
    public void NothingFlagged_OnlyAlwaysApplies()
    {
        var outcome = Decide(Policy(("tox", MitigationMode.OnFlag), ("bd", MitigationMode.Always)));
        Assert.Null(outcome.Shadow);
        Assert.Null(outcome.Abort);
        Assert.Equal([("bd", MitigationMode.Always)], outcome.Mitigations);
        Assert.NotNull(outcome.Applied);
        Assert.Equal(1f, outcome.Applied![Slot(1, 10)]); // tox is on_flag and not flagged: untouched
        Assert.True(outcome.Applied[Slot(4, 40)] < 1f);
    }

    [Fact]
    public void ToxicityFlagged_OnFlagAttenuatesItsSetOnly_ShadowReportsWithoutApplying()
    {
        var outcome = Decide(Policy(("tox", MitigationMode.OnFlag), ("safe", MitigationMode.Shadow)), DetectorKind.Toxicity, DetectorKind.Safety);
        Assert.Null(outcome.Abort);
        Assert.Contains(("tox", MitigationMode.OnFlag), outcome.Mitigations);
        Assert.Contains(("safe", MitigationMode.Shadow), outcome.Mitigations);
        Assert.True(outcome.Applied![Slot(1, 10)] < 1f);
        Assert.Equal(1f, outcome.Applied[Slot(3, 30)]);
        Assert.True(outcome.Shadow![Slot(3, 30)] < 1f);
        Assert.Equal(1f, outcome.Shadow[Slot(1, 10)]);
        Assert.NotEqual("", MitigationOutcome.Key(outcome.Applied));
        Assert.Equal("", MitigationOutcome.Key(null));
    }

    [Fact]
    public void AbortNamesSetDetectorAndScope_WithQuotesInTheSetName()
    {
        // A set name with a quote broke the old recovery of the set from the reason text.
        var plan = CreatePlan("it's-bd");
        var policy = Policy(("it's-bd", MitigationMode.Abort, "acme"));
        var outcome = MitigationDecision.Decide(plan, FlaggedFor(plan, DetectorKind.Backdoor), policy, "acme");
        Assert.Equal(new MitigationAbort("it's-bd", DetectorKind.Backdoor, "acme", policy.Version), outcome.Abort);
        Assert.Contains("backdoor detector of set 'it's-bd'", outcome.Abort!.Reason);
        Assert.Contains("tenant:acme", outcome.Abort.Reason);
    }

    [Fact]
    public void IntegrityFlag_DoesNotTriggerOnFlag_AndTenantEntryWinsOverGlobal()
    {
        Assert.Null(Decide(Policy(("safe", MitigationMode.OnFlag)), DetectorKind.Integrity).Applied);
        var policy = Policy(("tox", MitigationMode.Always, ""), ("tox", MitigationMode.Off, "acme"));
        Assert.Null(MitigationDecision.Decide(Plan, new bool[Plan.Detectors.Count], policy, "acme").Applied);
        Assert.NotNull(MitigationDecision.Decide(Plan, new bool[Plan.Detectors.Count], policy, "other").Applied);
    }

    private static MitigationOutcome Decide(EffectivePolicy policy, params DetectorKind[] flagged) =>
        MitigationDecision.Decide(Plan, FlaggedFor(Plan, flagged), policy, "");

    private static bool[] FlaggedFor(MonitorPlan plan, params DetectorKind[] kinds) =>
        plan.Detectors.Select(d => kinds.Contains(d.Kind)).ToArray();

    private static int Slot(int layer, int index) =>
        Plan.Layout.TryGetSlot(new Engine.NeuronRef(layer, index), out int slot) ? slot : throw new InvalidOperationException("no slot");

    private static EffectivePolicy Policy(params (string Set, MitigationMode Mode)[] entries) =>
        Policy(entries.Select(e => (e.Set, e.Mode, "")).ToArray());

    private static EffectivePolicy Policy(params (string Set, MitigationMode Mode, string Tenant)[] entries)
    {
        var json = entries.ToDictionary(e => PolicyKeys.Key(e.Set, e.Tenant), e => new PolicyEntry { Set = e.Set, Tenant = e.Tenant, Mode = e.Mode, Strength = 1f }.ToJson());
        return EffectivePolicy.From(new PolicySnapshot(3, json), 0);
    }

    private static MonitorPlan CreatePlan(string backdoorSet = "bd")
    {
        var provenance = new Provenance { Method = "aura-auroc", Data = "test", Date = "2026-12-07" };
        CatalogNeuron N(int layer, int index, double? score = null) => new() { Layer = layer, Index = index, Score = score };
        var catalog = new Catalog
        {
            Model = new ModelShape { Fingerprint = Fingerprint, Layers = 12, NeuronsPerLayer = 3072 },
            Version = "v1",
            Sets =
            [
                new NeuronSet { Name = "tox", Kind = NeuronSetKind.Toxicity, Neurons = [N(1, 10, 0.9), N(2, 20, 0.7)], Provenance = provenance },
                new NeuronSet { Name = "safe", Kind = NeuronSetKind.Safety, Neurons = [N(3, 30, 0.95)], Provenance = provenance },
                new NeuronSet { Name = backdoorSet, Kind = NeuronSetKind.Backdoor, Neurons = [N(4, 40, 0.8)], Provenance = provenance },
            ],
        };
        var layout = SlotLayout.From(catalog);
        var baseline = new Baseline
        {
            Fingerprint = Fingerprint,
            CatalogVersion = catalog.Version,
            Bins = 4,
            MassThreshold = 0.1f,
            TargetFpr = 0.01f,
            Slots = layout.Slots.Select(n => new SlotBaseline(n, 0f, 1f, 1f, -1f, 1f, [0, 32768, 32767, 0])).ToArray(),
            Detectors = new[] { "coverage", "toxicity:tox", "safety:safe", "integrity:safe", $"backdoor:{backdoorSet}" }.Select(n => new DetectorCalibration(n, 1f, [])).ToArray(),
        };
        return MonitorPlan.Create(catalog, baseline);
    }
}
