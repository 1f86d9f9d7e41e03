using System.Diagnostics.CodeAnalysis;

namespace NeuronGuard.Inference.Loading;

/// <summary>Throw helpers for loading; keeping them here keeps the parsers short and the messages consistent.</summary>
internal static class LoadErrors
{
    [DoesNotReturn]
    public static void Throw(string message) => throw new ModelLoadException(message);

    [DoesNotReturn]
    public static T Throw<T>(string message) => throw new ModelLoadException(message);

    [DoesNotReturn]
    public static void MissingTensor(string name, string files) =>
        throw new ModelLoadException(
            $"tensor '{name}' is missing from {files}; the folder does not hold a complete checkpoint for this architecture (re-export it with save_pretrained).");

    [DoesNotReturn]
    public static void Misshapen(string name, IReadOnlyList<long> actual, IReadOnlyList<long> expected) =>
        throw new ModelLoadException(
            $"tensor '{name}' has shape [{string.Join(", ", actual)}] but config.json implies [{string.Join(", ", expected)}]; config.json and the weights do not belong together.");
}
