namespace NeuronGuard.Inference;

/// <summary>
/// A model folder could not be loaded. The message names the file, tensor or field and what was expected,
/// so the user can fix the folder without reading the loader.
/// </summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message)
        : base(message)
    {
    }

    public ModelLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
