using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Engine.Scoring;

/// <summary>One detector's current verdict for a request: score, threshold, flag and the step the score came from.</summary>
public readonly record struct DetectorResult(string Name, DetectorKind Kind, float Score, float Threshold, bool Flag, int Step);
