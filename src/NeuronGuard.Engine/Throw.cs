using System.Diagnostics.CodeAnalysis;

namespace NeuronGuard.Engine;

/// <summary>Throw helpers kept out of line so callers' hot loops stay small.</summary>
internal static class Throw
{
    [DoesNotReturn]
    public static void Argument(string message, string paramName) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void InvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void BaselineFormat(string message) => throw new Baselines.BaselineFormatException(message);
}
