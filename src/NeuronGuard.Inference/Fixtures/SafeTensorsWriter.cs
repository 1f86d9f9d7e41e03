using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Fixtures;

/// <summary>A tensor to write: its name, its shape, and how to fill its F32 values.</summary>
internal sealed record TensorSpec(string Name, long[] Shape, Action<Span<float>> Fill)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Writes safetensors files (F32, F16 or BF16) one tensor at a time, so a 500 MB random model never sits
/// in memory whole; optionally sharded with a <c>model.safetensors.index.json</c> as save_pretrained does.
/// </summary>
internal static class SafeTensorsWriter
{
    public static void WriteModel(string dir, IReadOnlyList<TensorSpec> specs, TensorDType dtype, int shards)
    {
        if (shards <= 1)
        {
            Write(Path.Combine(dir, "model.safetensors"), specs, dtype);
            return;
        }
        long total = specs.Sum(s => s.Count * TensorDTypes.Size(dtype));
        var groups = new List<List<TensorSpec>>();
        long acc = 0;
        foreach (var s in specs)
        {
            int g = (int)Math.Min(shards - 1, acc * shards / Math.Max(1, total));
            while (groups.Count <= g)
            {
                groups.Add(new List<TensorSpec>());
            }
            groups[g].Add(s);
            acc += s.Count * TensorDTypes.Size(dtype);
        }
        groups.RemoveAll(g => g.Count == 0);
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < groups.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{groups.Count:D5}.safetensors";
            Write(Path.Combine(dir, name), groups[i], dtype);
            foreach (var s in groups[i])
            {
                map[s.Name] = name;
            }
        }
        var index = new { metadata = new { total_size = total }, weight_map = map };
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), JsonSerializer.Serialize(index, new JsonSerializerOptions { WriteIndented = true }));
    }

    public static void Write(string path, IReadOnlyList<TensorSpec> specs, TensorDType dtype)
    {
        int size = TensorDTypes.Size(dtype);
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        long offset = 0;
        foreach (var s in specs)
        {
            long bytes = s.Count * size;
            header[s.Name] = new { dtype = TensorDTypes.Name(dtype), shape = s.Shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8; // data starts 8-aligned, as the reference writer pads it
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        fs.Write(BitConverter.GetBytes((long)padded));
        fs.Write(json);
        for (int i = json.Length; i < padded; i++)
        {
            fs.WriteByte((byte)' ');
        }
        foreach (var s in specs)
        {
            var values = new float[s.Count];
            s.Fill(values);
            WriteValues(fs, values, dtype);
        }
    }

    private static void WriteValues(Stream fs, float[] values, TensorDType dtype)
    {
        if (dtype == TensorDType.F32)
        {
            fs.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        var half = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            half[i] = dtype == TensorDType.F16 ? HalfConversion.F32ToF16(values[i]) : HalfConversion.F32ToBF16(values[i]);
        }
        fs.Write(MemoryMarshal.AsBytes(half.AsSpan()));
    }
}
