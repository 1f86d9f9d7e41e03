using System.Text.Json;
using System.Text.RegularExpressions;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Tokenization;

/// <summary>What the host takes from a Hugging Face <c>tokenizer.json</c>.</summary>
internal sealed class TokenizerData
{
    public required Dictionary<string, int> Vocab { get; init; }
    public required Dictionary<(string, string), int> MergeRanks { get; init; }
    public required Dictionary<string, int> Added { get; init; }
    public required HashSet<int> Special { get; init; }
    public required Regex? Split { get; init; }
    public bool AddPrefixSpace { get; init; }
    public bool IgnoreMerges { get; init; }
    public string? BosToken { get; init; }
}

/// <summary>
/// Parses <c>tokenizer.json</c>: <c>model.type == "BPE"</c> with <c>vocab</c> and <c>merges</c> ("a b" strings
/// or [a, b] pairs), <c>added_tokens</c>, and a ByteLevel pre-tokenizer alone (GPT-2) or after a regex
/// Split (Llama 3). Anything else is refused with the field that did not fit.
/// </summary>
internal static class TokenizerJson
{
    public static TokenizerData Read(string path)
    {
        if (!File.Exists(path))
        {
            LoadErrors.Throw($"'{path}' does not exist; the host needs the Hugging Face tokenizer.json beside the weights.");
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return Parse(doc.RootElement, path);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new ModelLoadException($"'{path}' is not a readable tokenizer.json: {e.Message}", e);
        }
    }

    private static TokenizerData Parse(JsonElement root, string path)
    {
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            LoadErrors.Throw($"'{path}' has no \"model\" object; expected a Hugging Face tokenizer.json.");
        }
        string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        if (type != "BPE")
        {
            LoadErrors.Throw($"'{path}' has model.type '{type}'; the host reads byte-level BPE tokenizers (GPT-2, Llama 3).");
        }
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in model.GetProperty("vocab").EnumerateObject())
        {
            vocab[p.Name] = p.Value.GetInt32();
        }
        var ranks = new Dictionary<(string, string), int>();
        int rank = 0;
        foreach (var m in model.GetProperty("merges").EnumerateArray())
        {
            (string, string) pair;
            if (m.ValueKind == JsonValueKind.String)
            {
                string s = m.GetString()!;
                int sp = s.IndexOf(' ');
                if (sp <= 0)
                {
                    LoadErrors.Throw($"'{path}' has merge \"{s}\"; expected \"left right\".");
                }
                pair = (s[..sp], s[(sp + 1)..]);
            }
            else
            {
                pair = (m[0].GetString()!, m[1].GetString()!);
            }
            ranks.TryAdd(pair, rank++);
        }
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var special = new HashSet<int>();
        if (root.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in at.EnumerateArray())
            {
                int id = a.GetProperty("id").GetInt32();
                added[a.GetProperty("content").GetString()!] = id;
                if (a.TryGetProperty("special", out var sp) && sp.ValueKind == JsonValueKind.True)
                {
                    special.Add(id);
                }
            }
        }
        var (split, prefix) = ReadPreTokenizer(root, path);
        return new TokenizerData
        {
            Vocab = vocab,
            MergeRanks = ranks,
            Added = added,
            Special = special,
            Split = split,
            AddPrefixSpace = prefix,
            IgnoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True,
            BosToken = ReadBos(root),
        };
    }

    private static (Regex? Split, bool AddPrefixSpace) ReadPreTokenizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
        {
            LoadErrors.Throw($"'{path}' has no pre_tokenizer; the host expects ByteLevel (GPT-2) or Sequence[Split, ByteLevel] (Llama 3).");
        }
        var steps = pre.GetProperty("type").GetString() == "Sequence"
            ? pre.GetProperty("pretokenizers").EnumerateArray().ToList()
            : [pre];
        Regex? split = null;
        bool prefix = false;
        bool byteLevel = false;
        foreach (var s in steps)
        {
            string st = s.GetProperty("type").GetString() ?? "";
            if (st == "Split")
            {
                var pattern = s.GetProperty("pattern");
                string rx = pattern.TryGetProperty("Regex", out var r) ? r.GetString()! : Regex.Escape(pattern.GetProperty("String").GetString()!);
                split = PreTokenizers.Compile(rx);
            }
            else if (st == "ByteLevel")
            {
                byteLevel = true;
                prefix = s.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True;
                bool useRegex = !s.TryGetProperty("use_regex", out var ur) || ur.ValueKind != JsonValueKind.False;
                if (useRegex && split is null)
                {
                    split = PreTokenizers.Compile(PreTokenizers.Gpt2Pattern);
                }
            }
            else
            {
                LoadErrors.Throw($"'{path}' uses pre-tokenizer '{st}'; the host implements Split (regex) and ByteLevel.");
            }
        }
        if (!byteLevel)
        {
            LoadErrors.Throw($"'{path}' has no ByteLevel pre-tokenizer; the host reads byte-level BPE only.");
        }
        return (split, prefix);
    }

    /// <summary>The special token a TemplateProcessing post-processor puts before a single sequence (Llama 3's BOS).</summary>
    private static string? ReadBos(JsonElement root)
    {
        if (!root.TryGetProperty("post_processor", out var pp) || pp.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var list = pp.GetProperty("type").GetString() == "Sequence"
            ? pp.GetProperty("processors").EnumerateArray().ToList()
            : [pp];
        foreach (var p in list)
        {
            if (p.GetProperty("type").GetString() == "TemplateProcessing" && p.TryGetProperty("single", out var single)
                && single.GetArrayLength() > 0 && single[0].TryGetProperty("SpecialToken", out var st))
            {
                return st.GetProperty("id").GetString();
            }
        }
        return null;
    }
}
