namespace NeuronGuard.Engine.Detectors;

/// <summary>How much one slot added to a detector's score (the detector's doc says in which unit).</summary>
public readonly record struct NeuronContribution(int Slot, NeuronRef Neuron, float Value);
