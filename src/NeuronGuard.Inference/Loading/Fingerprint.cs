using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace NeuronGuard.Inference.Loading;

/// <summary>
/// Computes <see cref="ModelInfo.Fingerprint"/> (recipe 2: config and every tensor's stored bytes) and
/// <see cref="ModelInfo.LegacyFingerprint"/> (recipe 1: config and tensor shapes only, kept for the transition).
/// The recipes are specified in docs/telemetry.md ("Model fingerprint"); clients/python/neuronguard/fingerprint.py
/// implements the same text, and a test checks that both agree.
/// </summary>
internal static class Fingerprint
{
    /// <summary>Bytes hashed per call: the mapped file is streamed through the hash, never copied whole.</summary>
    private const int Chunk = 1 << 20;

    /// <summary>Recipe 2: SHA-256 of the config lines and one line per tensor with the XxHash128 of its stored bytes.</summary>
    public static string Compute(ModelConfig c, IEnumerable<TensorEntry> tensors, FingerprintCache? cache = null)
    {
        cache ??= FingerprintCache.Default;
        var sb = new StringBuilder("fingerprint=2\n");
        AppendConfig(sb, c);
        var sorted = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in sorted.Select(t => t.File).Distinct())
        {
            var entries = sorted.Where(t => t.File == file).ToList();
            var known = cache.Get(file.Path);
            if (known is null || !entries.All(e => known.ContainsKey(e.Name)))
            {
                known = entries.ToDictionary(e => e.Name, TensorHash, StringComparer.Ordinal);
                cache.Put(file.Path, known);
            }
            foreach (var e in entries)
            {
                hashes[e.Name] = known[e.Name];
            }
        }
        foreach (var t in sorted)
        {
            AppendTensor(sb, t).Append(' ').Append(hashes[t.Name]).Append('\n');
        }
        return Sha256Hex(sb);
    }

    /// <summary>Recipe 1 (shapes only): what catalogs and baselines made before recipe 2 are keyed by.</summary>
    public static string ComputeLegacy(ModelConfig c, IEnumerable<TensorEntry> tensors)
    {
        var sb = new StringBuilder();
        AppendConfig(sb, c);
        foreach (var t in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            AppendTensor(sb, t).Append('\n');
        }
        return Sha256Hex(sb);
    }

    /// <summary>Lowercase hex XxHash128 (canonical big-endian bytes, seed 0) of the tensor's bytes as stored in the file.</summary>
    public static unsafe string TensorHash(TensorEntry e)
    {
        var hash = new XxHash128();
        byte* p = e.File.At(e.Offset);
        for (long done = 0; done < e.Length; done += Chunk)
        {
            int n = (int)Math.Min(Chunk, e.Length - done);
            hash.Append(new ReadOnlySpan<byte>(p + done, n));
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private static void AppendConfig(StringBuilder sb, ModelConfig c)
    {
        sb.Append("arch=").Append(c.Architecture).Append('\n');
        sb.Append("layers=").Append(c.Layers).Append('\n');
        sb.Append("hidden=").Append(c.Hidden).Append('\n');
        sb.Append("neurons=").Append(c.Intermediate).Append('\n');
        sb.Append("heads=").Append(c.Heads).Append('\n');
        sb.Append("kv_heads=").Append(c.KvHeads).Append('\n');
        sb.Append("vocab=").Append(c.Vocab).Append('\n');
        sb.Append("positions=").Append(c.MaxPositions).Append('\n');
    }

    private static StringBuilder AppendTensor(StringBuilder sb, TensorEntry t) =>
        sb.Append("tensor=").Append(t.Name).Append(' ').Append(TensorDTypes.Name(t.DType)).Append(' ')
          .Append(string.Join("x", t.Shape));

    private static string Sha256Hex(StringBuilder sb) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
}
