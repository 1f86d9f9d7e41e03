namespace NeuronGuard.Inference.Tokenization;

/// <summary>
/// Byte-pair merging of one pre-tokenized word (already in byte-level characters): repeatedly merge the
/// adjacent pair with the lowest merge rank, as Hugging Face's BPE model does. Results are cached per word.
/// </summary>
internal sealed class BpeMerger
{
    private readonly TokenizerData _data;
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public BpeMerger(TokenizerData data) => _data = data;

    public void Encode(string word, List<int> output)
    {
        int[]? ids;
        lock (_gate)
        {
            _cache.TryGetValue(word, out ids);
        }
        if (ids is null)
        {
            ids = Merge(word);
            lock (_gate)
            {
                if (_cache.Count < 100_000)
                {
                    _cache[word] = ids;
                }
            }
        }
        output.AddRange(ids);
    }

    private int[] Merge(string word)
    {
        if (_data.IgnoreMerges && _data.Vocab.TryGetValue(word, out int whole))
        {
            return [whole];
        }
        var symbols = new List<string>(word.Length);
        foreach (char c in word)
        {
            symbols.Add(c.ToString());
        }
        while (symbols.Count > 1)
        {
            int best = -1;
            int bestRank = int.MaxValue;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (_data.MergeRanks.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < bestRank)
                {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0)
            {
                break;
            }
            string left = symbols[best];
            string right = symbols[best + 1];
            // Merge every occurrence of this pair, left to right, as the reference implementation does.
            for (int i = best; i + 1 < symbols.Count; i++)
            {
                if (symbols[i] == left && symbols[i + 1] == right)
                {
                    symbols[i] = left + right;
                    symbols.RemoveAt(i + 1);
                }
            }
        }
        var ids = new int[symbols.Count];
        for (int i = 0; i < symbols.Count; i++)
        {
            if (!_data.Vocab.TryGetValue(symbols[i], out ids[i]))
            {
                throw new InvalidOperationException($"tokenizer.json has no vocabulary entry for '{symbols[i]}'; its vocab must hold all 256 byte-level characters.");
            }
        }
        return ids;
    }
}
