using System.Text;
using System.Text.Json;

namespace NeuronGuard.Engine.Probes;

/// <summary>
/// A sparse probe's file, JSON with a format number so later formats can still read this one:
/// <c>{"format":1,"kind":"sparse-probe","model":FP,"catalog_version":V,"set":S,"data":D,"lambda":λ,"bias":b,
/// "threshold":t|null,"target_fpr":f,"neurons":[{"layer":L,"index":I,"weight":w,"mean":μ,"std":σ},…]}</c>
/// (threshold null: uncalibrated). The exact text is pinned by <c>SparseProbeJsonTests</c>.
/// </summary>
public static class SparseProbeJson
{
    public const int CurrentFormat = 1;

    public static string Serialize(SparseProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", CurrentFormat);
            w.WriteString("kind", "sparse-probe");
            w.WriteString("model", probe.Fingerprint);
            w.WriteString("catalog_version", probe.CatalogVersion);
            w.WriteString("set", probe.Set);
            w.WriteString("data", probe.Data);
            w.WriteNumber("lambda", probe.Lambda);
            w.WriteNumber("bias", probe.Bias);
            if (float.IsFinite(probe.Threshold))
            {
                w.WriteNumber("threshold", probe.Threshold);
            }
            else
            {
                w.WriteNull("threshold");
            }
            w.WriteNumber("target_fpr", probe.TargetFpr);
            w.WriteStartArray("neurons");
            foreach (var n in probe.Neurons)
            {
                w.WriteStartObject();
                w.WriteNumber("layer", n.Neuron.Layer);
                w.WriteNumber("index", n.Neuron.Index);
                w.WriteNumber("weight", n.Weight);
                w.WriteNumber("mean", n.Mean);
                w.WriteNumber("std", n.Std);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Reads format 1; anything else is a <see cref="FormatException"/> naming what is wrong.</summary>
    public static SparseProbe Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            int format = root.GetProperty("format").GetInt32();
            if (format != CurrentFormat)
            {
                throw new FormatException($"sparse probe format {format} is not readable by this version (it reads format {CurrentFormat}): upgrade neuronguard.");
            }
            if (root.GetProperty("kind").GetString() != "sparse-probe")
            {
                throw new FormatException("the file is not a sparse probe (kind is not \"sparse-probe\").");
            }
            var threshold = root.GetProperty("threshold");
            return new SparseProbe
            {
                Fingerprint = root.GetProperty("model").GetString() ?? "",
                CatalogVersion = root.GetProperty("catalog_version").GetString() ?? "",
                Set = root.GetProperty("set").GetString() ?? "",
                Data = root.TryGetProperty("data", out var data) ? data.GetString() ?? "" : "",
                Lambda = root.GetProperty("lambda").GetDouble(),
                Bias = root.GetProperty("bias").GetSingle(),
                Threshold = threshold.ValueKind == JsonValueKind.Null ? float.PositiveInfinity : threshold.GetSingle(),
                TargetFpr = root.GetProperty("target_fpr").GetSingle(),
                Neurons = root.GetProperty("neurons").EnumerateArray().Select(n => new ProbeNeuron(
                    new NeuronRef(n.GetProperty("layer").GetInt32(), n.GetProperty("index").GetInt32()),
                    n.GetProperty("weight").GetSingle(), n.GetProperty("mean").GetSingle(), n.GetProperty("std").GetSingle())).ToList(),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not a readable sparse probe: {e.Message}", e);
        }
    }
}
