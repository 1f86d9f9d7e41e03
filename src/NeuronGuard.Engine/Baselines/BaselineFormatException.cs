namespace NeuronGuard.Engine.Baselines;

/// <summary>A baseline file that is truncated, corrupt, of another format version, or not a baseline at all.</summary>
public sealed class BaselineFormatException(string message) : Exception(message);
