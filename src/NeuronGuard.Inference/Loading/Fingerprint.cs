using System.Security.Cryptography;
using System.Text;

namespace NeuronGuard.Inference.Loading;

/// <summary>Computes <see cref="ModelInfo.Fingerprint"/>; the recipe is documented there.</summary>
internal static class Fingerprint
{
    public static string Compute(ModelConfig c, IEnumerable<TensorEntry> tensors)
    {
        var sb = new StringBuilder();
        sb.Append("arch=").Append(c.Architecture).Append('\n');
        sb.Append("layers=").Append(c.Layers).Append('\n');
        sb.Append("hidden=").Append(c.Hidden).Append('\n');
        sb.Append("neurons=").Append(c.Intermediate).Append('\n');
        sb.Append("heads=").Append(c.Heads).Append('\n');
        sb.Append("kv_heads=").Append(c.KvHeads).Append('\n');
        sb.Append("vocab=").Append(c.Vocab).Append('\n');
        sb.Append("positions=").Append(c.MaxPositions).Append('\n');
        foreach (var t in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            sb.Append("tensor=").Append(t.Name).Append(' ').Append(TensorDTypes.Name(t.DType)).Append(' ')
              .Append(string.Join("x", t.Shape)).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
