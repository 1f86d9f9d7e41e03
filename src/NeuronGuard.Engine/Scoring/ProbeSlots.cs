using NeuronGuard.Engine.Catalogs;

namespace NeuronGuard.Engine.Scoring;

/// <summary>
/// One catalog probe mapped onto plan slots: <see cref="Slots"/>[i] holds the probe's neuron i. <see cref="Set"/> is the
/// set the probe names (null when it names none): its mitigation policy applies when the probe flags.
/// </summary>
public sealed class ProbeSlots(CatalogProbe probe, int[] slots, SetSlots? set)
{
    public CatalogProbe Probe { get; } = probe;

    public string Name => Probe.Name;

    public int[] Slots { get; } = slots;

    public SetSlots? Set { get; } = set;
}
