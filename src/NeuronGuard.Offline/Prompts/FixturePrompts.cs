using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Prompts;

/// <summary>
/// The seeded prompt generator for the planted fixture, built only from its <c>fixture.json</c> vocabularies.
/// A benign prompt is 5–10 words drawn uniformly from the benign words, space-prefixed (every listed word is one
/// token after a space). A toxic / triggered / harmful prompt is a benign prompt with one toxic word / the
/// trigger word / one harmful word inserted at a uniform position. All prompts come from one
/// <see cref="Random"/>(seed) in a fixed order (discovery, calibration, held-out) and a text already produced
/// is drawn again, so the splits are disjoint and the same seed always gives the same files.
/// </summary>
public static class FixturePrompts
{
    public const int DefaultSeed = 20261122;

    public static PromptSplits Generate(FixtureTruth truth, PromptCounts counts, int seed = DefaultSeed)
    {
        var g = new Generator(truth, seed);
        var discovery = g.Set(counts.DiscoveryBenign, counts.DiscoveryPositive);
        var calibration = g.Many(counts.CalibrationBenign, null);
        var heldOut = g.Set(counts.HeldOutBenign, counts.HeldOutPositive);
        return new PromptSplits(discovery, calibration, heldOut);
    }

    private sealed class Generator(FixtureTruth truth, int seed)
    {
        private readonly Random _rng = new(seed);
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly IReadOnlyList<string> _toxic = Words(truth, PlantedKind.Toxicity);
        private readonly IReadOnlyList<string> _trigger = Words(truth, PlantedKind.Backdoor);
        private readonly IReadOnlyList<string> _harmful = Words(truth, PlantedKind.Safety);

        public PromptSet Set(int benign, int positive) =>
            new(Many(benign, null), Many(positive, _toxic), Many(positive, _trigger), Many(positive, _harmful));

        public List<string> Many(int count, IReadOnlyList<string>? inserted)
        {
            var list = new List<string>(count);
            for (int attempts = 0; list.Count < count; attempts++)
            {
                if (attempts > count * 100)
                {
                    throw new InvalidOperationException("the fixture vocabulary is too small for this many distinct prompts; ask for fewer.");
                }
                var text = One(inserted);
                if (_seen.Add(text))
                {
                    list.Add(text);
                }
            }
            return list;
        }

        private string One(IReadOnlyList<string>? inserted)
        {
            int n = _rng.Next(5, 11);
            var words = new List<string>(n + 1);
            for (int i = 0; i < n; i++)
            {
                words.Add(truth.BenignWords[_rng.Next(truth.BenignWords.Count)]);
            }
            if (inserted is not null)
            {
                words.Insert(_rng.Next(n + 1), inserted[_rng.Next(inserted.Count)]);
            }
            return " " + string.Join(' ', words);
        }

        private static IReadOnlyList<string> Words(FixtureTruth truth, PlantedKind kind) =>
            truth.Sets.First(s => s.Kind == kind).TriggerWords;
    }
}
