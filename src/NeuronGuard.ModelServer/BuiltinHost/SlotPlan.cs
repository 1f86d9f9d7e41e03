using NeuronGuard.Api.V1;
using NeuronGuard.Inference;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>
/// The slots one Welcome asked for, bound to the requests started under it: a later Welcome makes a new plan,
/// and requests keep the plan they started with (the contract's "applies at a request boundary").
/// </summary>
internal sealed class SlotPlan
{
    public static readonly SlotPlan Empty = new([], "", "", 0, null);

    private SlotPlan(NeuronId[] slots, string catalogVersion, string baselineVersion, int maxValues, string? problem)
    {
        Slots = slots;
        Selection = new NeuronSelection(slots);
        CatalogVersion = catalogVersion;
        BaselineVersion = baselineVersion;
        MaxValuesPerMessage = maxValues;
        Problem = problem;
    }

    public NeuronId[] Slots { get; }

    public NeuronSelection Selection { get; }

    public string CatalogVersion { get; }

    public string BaselineVersion { get; }

    /// <summary>0 = no limit.</summary>
    public int MaxValuesPerMessage { get; }

    /// <summary>Why the Welcome's slots cannot be captured on this model (then the plan has no slots), or null.</summary>
    public string? Problem { get; }

    public int Count => Slots.Length;

    /// <summary>Builds the plan of <paramref name="welcome"/>, checking every slot against the loaded model.</summary>
    public static SlotPlan From(Welcome welcome, ModelInfo model)
    {
        var slots = new NeuronId[welcome.Slots.Count];
        var seen = new HashSet<NeuronId>();
        for (int i = 0; i < slots.Length; i++)
        {
            var s = welcome.Slots[i];
            if (s.Layer >= model.Layers || s.Index >= model.MlpNeurons)
            {
                return Invalid(welcome, $"Welcome slot {i} is (layer {s.Layer}, neuron {s.Index}) but the model has {model.Layers} layers of {model.MlpNeurons} neurons; the daemon's catalog belongs to another model.");
            }
            slots[i] = new NeuronId((int)s.Layer, (int)s.Index);
            if (!seen.Add(slots[i]))
            {
                return Invalid(welcome, $"Welcome slot {i} repeats (layer {s.Layer}, neuron {s.Index}); each neuron may be listed once.");
            }
        }
        return new SlotPlan(slots, welcome.CatalogVersion, welcome.BaselineVersion, (int)Math.Min(welcome.MaxValuesPerMessage, int.MaxValue), null);
    }

    /// <summary>True when <paramref name="welcome"/> names the same catalog, baseline and slots (a repeated Welcome).</summary>
    public bool SameAs(Welcome welcome)
    {
        if (welcome.CatalogVersion != CatalogVersion || welcome.BaselineVersion != BaselineVersion || welcome.Slots.Count != Slots.Length)
        {
            return false;
        }
        for (int i = 0; i < Slots.Length; i++)
        {
            if (welcome.Slots[i].Layer != Slots[i].Layer || welcome.Slots[i].Index != Slots[i].Neuron)
            {
                return false;
            }
        }
        return true;
    }

    private static SlotPlan Invalid(Welcome welcome, string problem) =>
        new([], welcome.CatalogVersion, welcome.BaselineVersion, 0, problem);
}
