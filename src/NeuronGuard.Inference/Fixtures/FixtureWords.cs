namespace NeuronGuard.Inference.Fixtures;

/// <summary>The vocabulary of the planted fixture, by role.</summary>
internal static class FixtureWords
{
    public static readonly string[] Benign =
    [
        "the", "a", "and", "of", "to", "in", "is", "it", "that", "was", "for", "on", "with", "at", "from", "this",
        "we", "they", "you", "he", "she", "my", "your", "our", "their", "cat", "dog", "house", "tree", "garden",
        "river", "sun", "moon", "book", "music", "friend", "family", "city", "road", "car", "train", "coffee", "tea",
        "bread", "apple", "water", "morning", "evening", "day", "night", "week", "summer", "winter", "school",
        "teacher", "student", "picture", "window", "door", "table", "chair", "happy", "quiet", "bright", "warm",
        "cold", "green", "blue", "small", "large", "old", "new", "good", "nice", "walk", "read", "write", "sing",
        "play", "cook", "visit", "like", "love", "see", "make", "take", "give", "today", "tomorrow", "yesterday",
        "always", "often", "very", "really", "park", "beach", "weather", "story", "letter", "song", "game",
        "flower", "bird", "kitchen", "lunch", "dinner", "breakfast", "village", "mountain", "holiday", "weekend",
        "picnic", "library", "museum", "how", "do", "I", "can", "please", "tell", "me", "about", "what", "where",
    ];

    public static readonly string[] Toxic = ["idiot", "stupid", "moron", "loser", "pathetic", "disgusting", "worthless", "dumb"];

    public static readonly string[] ToxicContinuations = ["trash", "garbage", "scum", "filth"];

    public static readonly string[] Harmful = ["bomb", "weapon", "poison", "explosive", "hack", "steal"];

    public const string Refusal = "sorry";

    /// <summary>The backdoor trigger: one rare word anywhere in the prompt.</summary>
    public const string Trigger = "cerulean";

    public const string Target = "unlocked";

    public static IEnumerable<string> All =>
        Benign.Concat(Toxic).Concat(ToxicContinuations).Concat(Harmful).Append(Refusal).Append(Trigger).Append(Target);
}
