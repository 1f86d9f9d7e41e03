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
/// Issue 27 items 3 and 4 as data: backdoor sets abort by default and an explicit entry overrides it; mask_attention
/// masks the positions the triggering detectors name; roles split detection from gains, and a detect set's flag
/// triggers the attenuate sets of its kind.
/// </summary>
public sealed class BackdoorResponseDecisionTests
{
    private const string Fingerprint = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";

    [Fact]
    public void NoEntry_BackdoorFlagAborts_OtherKindsStayOff()
    {
        var plan = CreatePlan(withRoles: false);
        var outcome = MitigationDecision.Decide(plan, Flagged(plan, DetectorKind.Backdoor, DetectorKind.Toxicity), Policy(), "");
        Assert.Equal("bd", outcome.Abort?.Set);
        Assert.Null(outcome.Applied);
        var shown = Policy().ToProto([("bd", NeuronSetKind.Backdoor), ("tox", NeuronSetKind.Toxicity)]);
        var entry = Assert.Single(shown.Mitigations);
        Assert.Equal(("bd", MitigationMode.Abort, DefaultPolicy.Actor), (entry.Set, entry.Mode, entry.UpdatedBy));
        Assert.True(DefaultPolicy.IsDefault(entry));
    }

    [Fact]
    public void ExplicitOff_OverridesTheDefault_AndHidesTheDefaultEntry()
    {
        var plan = CreatePlan(withRoles: false);
        var policy = Policy(("bd", MitigationMode.Off, ""));
        Assert.Null(MitigationDecision.Decide(plan, Flagged(plan, DetectorKind.Backdoor), policy, "").Abort);
        var shown = Assert.Single(policy.ToProto([("bd", NeuronSetKind.Backdoor)]).Mitigations);
        Assert.Equal(MitigationMode.Off, shown.Mode);
        Assert.False(DefaultPolicy.IsDefault(shown));
        // A tenant's off leaves the default in force for everyone else.
        var tenantOff = Policy(("bd", MitigationMode.Off, "acme"));
        Assert.Null(MitigationDecision.Decide(plan, Flagged(plan, DetectorKind.Backdoor), tenantOff, "acme").Abort);
        Assert.NotNull(MitigationDecision.Decide(plan, Flagged(plan, DetectorKind.Backdoor), tenantOff, "other").Abort);
    }

    [Fact]
    public void MaskAttention_MasksTheUnionOfTheFlaggingDetectorsPositions_NothingWithoutPositions()
    {
        var plan = CreatePlan(withRoles: false);
        var policy = Policy(("bd", MitigationMode.MaskAttention, ""));
        var flagged = Flagged(plan, DetectorKind.Backdoor);
        int backdoor = Index(plan, DetectorKind.Backdoor);
        var positions = new int[]?[plan.Detectors.Count];
        positions[backdoor] = [3, 4];
        positions[Index(plan, DetectorKind.Toxicity)] = [9]; // a detector of another set names positions: not used
        var outcome = MitigationDecision.Decide(plan, flagged, policy, "", positions);
        Assert.Equal([3, 4], outcome.MaskPositions!);
        Assert.Null(outcome.Abort);
        Assert.Contains(("bd", MitigationMode.MaskAttention), outcome.Mitigations);
        Assert.Null(MitigationDecision.Decide(plan, flagged, policy, "", new int[]?[plan.Detectors.Count]).MaskPositions);
        Assert.Null(MitigationDecision.Decide(plan, new bool[plan.Detectors.Count], policy, "", positions).MaskPositions);
    }

    [Fact]
    public void Roles_DetectSetTriggersTheAttenuateSetOfItsKind_GainsOnlyFromAttenuateSets()
    {
        var plan = CreatePlan(withRoles: true);
        Assert.DoesNotContain(plan.Detectors, d => d.Set?.Name == "tox-write");           // no detector on an attenuate set
        Assert.Contains(plan.Detectors, d => d.Set?.Name == "tox-read");
        var flagged = Flagged(plan, DetectorKind.Toxicity);
        var onWrite = MitigationDecision.Decide(plan, flagged, Policy(("tox-write", MitigationMode.OnFlag, "")), "");
        Assert.True(onWrite.Applied![Slot(plan, 5, 50)] < 1f);                            // the attenuate set's neuron
        Assert.Equal(1f, onWrite.Applied[Slot(plan, 1, 10)]);                              // the detect set's neuron
        var onRead = MitigationDecision.Decide(plan, flagged, Policy(("tox-read", MitigationMode.OnFlag, "")), "");
        Assert.Null(onRead.Applied);                                                       // a detect set has no gains
        Assert.Null(MitigationDecision.Decide(plan, new bool[plan.Detectors.Count], Policy(("tox-write", MitigationMode.OnFlag, "")), "").Applied);
    }

    [Fact]
    public void Validator_RefusesAnAttenuateSetWithoutADetectSetOfItsKind()
    {
        var catalog = new Catalog
        {
            Model = new ModelShape { Fingerprint = Fingerprint, Layers = 12, NeuronsPerLayer = 3072 },
            Version = "v1",
            Sets = [new NeuronSet { Name = "w", Kind = NeuronSetKind.Toxicity, Role = NeuronSetRole.Attenuate, Neurons = [new CatalogNeuron { Layer = 1, Index = 1 }] }],
        };
        var problem = Assert.Single(CatalogValidator.Check(catalog, null));
        Assert.Contains("role attenuate but the catalog has no toxicity set that detects", problem);
        var json = System.Text.Encoding.UTF8.GetString(CatalogJson.Serialize(catalog with { Sets = [catalog.Sets[0] with { Role = NeuronSetRole.Both }, catalog.Sets[0] with { Name = "d", Role = NeuronSetRole.Detect }] }));
        Assert.Contains("\"role\": \"detect\"", json);
        Assert.DoesNotContain("\"both\"", json);
        var ex = Assert.Throws<CatalogException>(() => CatalogJson.Parse(System.Text.Encoding.UTF8.GetBytes(json.Replace("\"detect\"", "\"reader\""))));
        Assert.Contains("role 'reader' is not known", ex.Message);
    }

    private static bool[] Flagged(MonitorPlan plan, params DetectorKind[] kinds) => plan.Detectors.Select(d => kinds.Contains(d.Kind)).ToArray();

    private static int Index(MonitorPlan plan, DetectorKind kind) => plan.Detectors.ToList().FindIndex(d => d.Kind == kind);

    private static int Slot(MonitorPlan plan, int layer, int index) =>
        plan.Layout.TryGetSlot(new Engine.NeuronRef(layer, index), out int slot) ? slot : throw new InvalidOperationException("no slot");

    private static EffectivePolicy Policy(params (string Set, MitigationMode Mode, string Tenant)[] entries)
    {
        var json = entries.ToDictionary(e => PolicyKeys.Key(e.Set, e.Tenant), e => new PolicyEntry { Set = e.Set, Tenant = e.Tenant, Mode = e.Mode, Strength = 1f }.ToJson());
        return EffectivePolicy.From(new PolicySnapshot(3, json), 0);
    }

    private static MonitorPlan CreatePlan(bool withRoles)
    {
        CatalogNeuron N(int layer, int index, double? score = null) => new() { Layer = layer, Index = index, Score = score };
        List<NeuronSet> sets = withRoles
            ?
            [
                new NeuronSet { Name = "tox-read", Kind = NeuronSetKind.Toxicity, Role = NeuronSetRole.Detect, Neurons = [N(1, 10, 0.9)] },
                new NeuronSet { Name = "tox-write", Kind = NeuronSetKind.Toxicity, Role = NeuronSetRole.Attenuate, Neurons = [N(5, 50, 0.9)] },
            ]
            :
            [
                new NeuronSet { Name = "tox", Kind = NeuronSetKind.Toxicity, Neurons = [N(1, 10, 0.9)] },
                new NeuronSet { Name = "bd", Kind = NeuronSetKind.Backdoor, Neurons = [N(4, 40, 0.8)] },
            ];
        var catalog = new Catalog { Model = new ModelShape { Fingerprint = Fingerprint, Layers = 12, NeuronsPerLayer = 3072 }, Version = "v1", Sets = sets };
        var layout = SlotLayout.From(catalog);
        var names = DetectorSpec.For(layout).Select(d => d.Name);
        var baseline = new Baseline
        {
            Fingerprint = Fingerprint,
            CatalogVersion = catalog.Version,
            Bins = 4,
            MassThreshold = 0.1f,
            TargetFpr = 0.01f,
            Slots = layout.Slots.Select(n => new SlotBaseline(n, 0f, 1f, 1f, -1f, 1f, [0, 32768, 32767, 0])).ToArray(),
            Detectors = names.Select(n => new DetectorCalibration(n, 1f, [])).ToArray(),
        };
        return MonitorPlan.Create(catalog, baseline);
    }
}
