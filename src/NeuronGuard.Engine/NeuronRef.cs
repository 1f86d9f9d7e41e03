namespace NeuronGuard.Engine;

/// <summary>One MLP neuron of a model: its layer and its index in the layer's intermediate activation.</summary>
public readonly record struct NeuronRef(int Layer, int Index)
{
    public override string ToString() => $"(layer {Layer}, index {Index})";
}
