using System.Text.Json;
using NeuronGuard.Inference.Tokenization;

namespace NeuronGuard.Inference.Fixtures;

/// <summary>
/// Writes a small GPT-2-style byte-level BPE <c>tokenizer.json</c>: ids 0–255 are the byte-level characters
/// (in byte order), then one merge chain per word (Ġ, Ġw, Ġwo, …) so each listed word is ONE token when
/// it follows a space ("Ġword"). Bare forms at the start of a text are not merged: their chains would split
/// other words (the merge "i n" would fire inside "Ġwinter"), so fixture prompts start with a space.
/// The last id is <c>&lt;|endoftext|&gt;</c>.
/// </summary>
internal static class TokenizerWriter
{
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Writes the file and returns token string → id.</summary>
    public static Dictionary<string, int> Write(string path, IEnumerable<string> words)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteLevel.ByteToChar[b].ToString()] = b;
        }
        var merges = new List<string>();
        var list = words.Distinct(StringComparer.Ordinal).ToList();
        foreach (var w in list)
        {
            string s = ByteLevel.Encode(" " + w);
            string cur = s[..1];
            for (int i = 1; i < s.Length; i++)
            {
                string next = cur + s[i];
                if (!vocab.ContainsKey(next))
                {
                    vocab[next] = vocab.Count;
                    merges.Add(cur + " " + s[i]);
                }
                cur = next;
            }
        }
        int eos = vocab.Count;
        var doc = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new[] { new { id = eos, content = EndOfText, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true } },
            ["normalizer"] = null,
            ["pre_tokenizer"] = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            ["post_processor"] = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = false, use_regex = true },
            ["decoder"] = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true },
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = false }));
        var result = new Dictionary<string, int>(vocab, StringComparer.Ordinal) { [EndOfText] = eos };
        return result;
    }
}
