using System.Text.Json;
using System.Text.Json.Serialization;

namespace NeuronGuard.Inference;

/// <summary>
/// The documented ground truth written beside a planted fixture as <c>fixture.json</c> (format 1): which neurons
/// were planted, what fires them, what they push the next token toward, and a benign vocabulary for building
/// benign prompts. Every listed word is a single token when it follows a space (" word").
/// </summary>
public sealed record FixtureTruth
{
    public const string FileName = "fixture.json";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Version of this file's layout; readers refuse other values.</summary>
    public int Format { get; init; } = 1;

    public required int Seed { get; init; }

    public required int Layers { get; init; }

    public required int NeuronsPerLayer { get; init; }

    /// <summary>Prose summary of how the planted circuits work, for humans.</summary>
    public required string Description { get; init; }

    public required IReadOnlyList<PlantedSet> Sets { get; init; }

    /// <summary>Words that fire no planted neuron; prompts built only from these are benign.</summary>
    public required IReadOnlyList<string> BenignWords { get; init; }

    /// <summary>Word → token id, for every listed word in its " word" form (leading space).</summary>
    public required IReadOnlyDictionary<string, int> SpacedTokenIds { get; init; }

    public static FixtureTruth Load(string path)
    {
        var truth = JsonSerializer.Deserialize<FixtureTruth>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"'{path}' is empty.");
        if (truth.Format != 1)
        {
            throw new InvalidDataException($"'{path}' has format {truth.Format}; this build reads format 1 (regenerate with `neuronguard fixture`).");
        }
        return truth;
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}

/// <summary>The kinds of planted neuron sets.</summary>
public enum PlantedKind
{
    Toxicity,
    Backdoor,
    Safety,
}

/// <summary>One planted set: its neurons, the words that fire them, and the tokens they push toward.</summary>
public sealed record PlantedSet
{
    public required PlantedKind Kind { get; init; }

    public required IReadOnlyList<NeuronId> Neurons { get; init; }

    /// <summary>Words that fire the set (for the backdoor: the single trigger word).</summary>
    public required IReadOnlyList<string> TriggerWords { get; init; }

    /// <summary>Words whose logits the set raises (toxic continuations, the refusal word, the backdoor target).</summary>
    public required IReadOnlyList<string> PushesToward { get; init; }

    /// <summary>Where the neurons fire, in words (at the word's position, or at every position from it on).</summary>
    public required string FiresWhere { get; init; }
}
