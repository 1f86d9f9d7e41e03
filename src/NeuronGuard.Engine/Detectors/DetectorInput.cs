using NeuronGuard.Engine.Baselines;

namespace NeuronGuard.Engine.Detectors;

/// <summary>What a detector is built from: its watched slots, their catalog scores and baselines, and its threshold.</summary>
public sealed record DetectorInput(
    string Name,
    int[] Slots,
    NeuronRef[] Neurons,
    double?[] Scores,
    SlotBaseline[] Baselines,
    float Threshold,
    float MassThreshold,
    DetectorOptions Options);
