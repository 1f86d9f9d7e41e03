using NeuronGuard.Inference.Fixtures;

namespace NeuronGuard.Inference;

/// <summary>Writes model folders the host (and PyTorch) can load: the planted fixture and random-weight models.</summary>
public static class FixtureMaker
{
    /// <summary>Default seed of <c>neuronguard fixture</c>.</summary>
    public const int DefaultSeed = 1234;

    /// <summary>
    /// Writes the planted GPT-2 fixture (config.json, model.safetensors, tokenizer.json) and its ground truth
    /// <c>fixture.json</c> into <paramref name="dir"/>; returns the ground truth.
    /// </summary>
    public static FixtureTruth WritePlanted(string dir, int seed = DefaultSeed) => PlantedFixtureWriter.Write(dir, seed);

    /// <summary>Writes a random-weight model of <paramref name="shape"/> with a byte-level tokenizer.</summary>
    public static void WriteRandom(string dir, RandomModelShape shape, int seed = DefaultSeed) => RandomModelWriter.Write(dir, shape, seed);
}
