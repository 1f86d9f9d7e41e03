namespace NeuronGuard.Engine.Scoring;

/// <summary>A catalog and baseline that do not belong together (other model, other catalog version, missing slots).</summary>
public sealed class MonitorPlanException(string message) : Exception(message);
