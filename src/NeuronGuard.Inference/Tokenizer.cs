using System.Text;
using System.Text.RegularExpressions;
using NeuronGuard.Inference.Tokenization;

namespace NeuronGuard.Inference;

/// <summary>
/// Byte-level BPE from a Hugging Face <c>tokenizer.json</c> (GPT-2 and Llama 3 families). Added and special
/// tokens are matched literally before pre-tokenization; everything else goes through the regex split, the
/// byte-level map and BPE merges. Thread-safe.
/// </summary>
public sealed class Tokenizer
{
    private readonly TokenizerData _data;
    private readonly BpeMerger _bpe;
    private readonly string[] _idToToken;
    private readonly Regex? _addedSplit;

    private Tokenizer(TokenizerData data, IReadOnlyList<int> configEos)
    {
        _data = data;
        _bpe = new BpeMerger(data);
        int size = Math.Max(data.Vocab.Count == 0 ? 0 : data.Vocab.Values.Max() + 1, data.Added.Count == 0 ? 0 : data.Added.Values.Max() + 1);
        _idToToken = new string[size];
        foreach (var (tok, id) in data.Vocab)
        {
            _idToToken[id] = tok;
        }
        foreach (var (tok, id) in data.Added)
        {
            _idToToken[id] = tok;
        }
        if (data.Added.Count > 0)
        {
            var alternatives = data.Added.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape);
            _addedSplit = new Regex("(" + string.Join("|", alternatives) + ")", RegexOptions.CultureInvariant);
        }
        BosId = data.BosToken is not null && TryGetId(data.BosToken, out int bos) ? bos : null;
        var eos = configEos.ToList();
        foreach (var name in new[] { "<|endoftext|>", "<|end_of_text|>", "<|eot_id|>", "</s>" })
        {
            if (data.Added.TryGetValue(name, out int id) && !eos.Contains(id))
            {
                eos.Add(id);
            }
        }
        EosIds = eos;
    }

    /// <summary>Number of ids the tokenizer can produce (largest id + 1).</summary>
    public int VocabSize => _idToToken.Length;

    /// <summary>The end-of-sequence id generation stops on by default, or null when the tokenizer has none.</summary>
    public int? EosId => EosIds.Count > 0 ? EosIds[0] : null;

    /// <summary>Every end-of-sequence id (config.json's eos_token_id, then known end tokens).</summary>
    public IReadOnlyList<int> EosIds { get; }

    /// <summary>The beginning-of-sequence id the post-processor prepends (Llama 3), or null (GPT-2).</summary>
    public int? BosId { get; }

    /// <summary>Added tokens (special or not), content → id.</summary>
    public IReadOnlyDictionary<string, int> AddedTokens => _data.Added;

    /// <summary>Whether <paramref name="id"/> is a special added token (skipped by <see cref="Decode(ReadOnlySpan{int}, bool)"/> on request).</summary>
    public bool IsSpecial(int id) => _data.Special.Contains(id);

    /// <summary>Loads <c>tokenizer.json</c>; throws <see cref="ModelLoadException"/> naming what could not be read.</summary>
    public static Tokenizer Load(string path, IReadOnlyList<int>? configEos = null) =>
        new(TokenizerJson.Read(path), configEos ?? []);

    /// <summary>The raw vocabulary string of an id (byte-level form, e.g. "Ġhello").</summary>
    public string TokenString(int id) =>
        (uint)id < (uint)_idToToken.Length && _idToToken[id] is { } s ? s : throw new ArgumentOutOfRangeException(nameof(id), $"token id {id} is not in the vocabulary.");

    /// <summary>Whether <paramref name="id"/> is a token of this vocabulary (a padded model vocabulary has ids it never produces).</summary>
    public bool IsKnown(int id) => (uint)id < (uint)_idToToken.Length && _idToToken[id] is not null;

    public bool TryGetId(string token, out int id) =>
        _data.Added.TryGetValue(token, out id) || _data.Vocab.TryGetValue(token, out id);

    /// <summary>
    /// The plain-prompt path: text to ids, no chat template. With <paramref name="addBos"/> the BOS token of
    /// the post-processor (if any) is prepended, as <c>tokenizer(text)</c> does for Llama 3.
    /// </summary>
    public int[] Encode(string text, bool addBos = false)
    {
        var ids = new List<int>();
        if (addBos && BosId is int bos)
        {
            ids.Add(bos);
        }
        if (_addedSplit is null)
        {
            EncodeOrdinary(text, ids);
            return [.. ids];
        }
        int pos = 0;
        foreach (Match m in _addedSplit.Matches(text))
        {
            EncodeOrdinary(text[pos..m.Index], ids);
            ids.Add(_data.Added[m.Value]);
            pos = m.Index + m.Length;
        }
        EncodeOrdinary(text[pos..], ids);
        return [.. ids];
    }

    private void EncodeOrdinary(string text, List<int> ids)
    {
        if (text.Length == 0)
        {
            return;
        }
        if (_data.AddPrefixSpace && !text.StartsWith(' '))
        {
            text = " " + text;
        }
        if (_data.Split is null)
        {
            _bpe.Encode(ByteLevel.Encode(text), ids);
            return;
        }
        foreach (Match m in _data.Split.Matches(text))
        {
            _bpe.Encode(ByteLevel.Encode(m.Value), ids);
        }
    }

    /// <summary>Ids back to text; invalid UTF-8 (a token split mid-character) becomes U+FFFD.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = false)
    {
        var bytes = new List<byte>();
        var sb = new StringBuilder();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] is null)
            {
                continue; // ids of a padded model vocabulary that the tokenizer never produces decode to nothing
            }
            string tok = _idToToken[id];
            if (_data.Added.ContainsKey(tok) && !_data.Vocab.ContainsKey(tok))
            {
                Flush(bytes, sb);
                if (!(skipSpecial && IsSpecial(id)))
                {
                    sb.Append(tok);
                }
                continue;
            }
            foreach (char c in tok)
            {
                if (ByteLevel.CharToByte.TryGetValue(c, out byte b))
                {
                    bytes.Add(b);
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                }
            }
        }
        Flush(bytes, sb);
        return sb.ToString();
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecial = false) => Decode(ids.ToArray(), skipSpecial);

    private static void Flush(List<byte> bytes, StringBuilder sb)
    {
        if (bytes.Count > 0)
        {
            sb.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
    }
}
