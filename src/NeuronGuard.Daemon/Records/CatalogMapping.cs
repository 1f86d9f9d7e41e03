using Eng = NeuronGuard.Engine.Catalogs;
using Wire = NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// Converts between the wire catalog (proto) and the engine's catalog. The proto uses 0 for "unknown" score and
/// "preset decides" gain; the engine uses null for both, so 0 maps to null and back.
/// </summary>
public static class CatalogMapping
{
    /// <summary>
    /// The engine catalog for <paramref name="catalog"/>; <paramref name="problems"/> gets what the engine types cannot
    /// express (an unspecified set kind). Format 0 (unset) means the current format.
    /// </summary>
    public static Eng.Catalog ToEngine(Wire.Catalog catalog, List<string> problems)
    {
        var sets = new List<Eng.NeuronSet>(catalog.Sets.Count);
        foreach (var set in catalog.Sets)
        {
            var kind = set.Kind switch
            {
                Wire.NeuronSetKind.Safety => Eng.NeuronSetKind.Safety,
                Wire.NeuronSetKind.Toxicity => Eng.NeuronSetKind.Toxicity,
                Wire.NeuronSetKind.Backdoor => Eng.NeuronSetKind.Backdoor,
                Wire.NeuronSetKind.Custom => Eng.NeuronSetKind.Custom,
                _ => (Eng.NeuronSetKind?)null,
            };
            if (kind is null)
            {
                problems.Add($"set '{set.Name}' has kind {set.Kind}: give safety, toxicity, backdoor or custom.");
            }
            var role = set.Role switch
            {
                Wire.NeuronSetRole.Unspecified => Eng.NeuronSetRole.Both,
                Wire.NeuronSetRole.Detect => Eng.NeuronSetRole.Detect,
                Wire.NeuronSetRole.Attenuate => Eng.NeuronSetRole.Attenuate,
                _ => (Eng.NeuronSetRole?)null,
            };
            if (role is null)
            {
                problems.Add($"set '{set.Name}' has role {(int)set.Role}: give unspecified (both), detect or attenuate.");
            }
            sets.Add(new Eng.NeuronSet
            {
                Name = set.Name,
                Kind = kind ?? Eng.NeuronSetKind.Custom,
                Role = role ?? Eng.NeuronSetRole.Both,
                Neurons = set.Neurons.Select(n => new Eng.CatalogNeuron
                {
                    Layer = checked((int)(n.Neuron?.Layer ?? 0)),
                    Index = checked((int)(n.Neuron?.Index ?? 0)),
                    Score = n.Score == 0 ? null : n.Score,
                    Gain = n.Gain == 0 ? null : n.Gain,
                    Explanation = ToEngine(n.Explanation),
                }).ToList(),
                Provenance = set.Provenance is null ? null
                    : new Eng.Provenance { Method = set.Provenance.Method, Data = set.Provenance.Data, Date = set.Provenance.Date },
            });
        }
        return new Eng.Catalog
        {
            Format = catalog.Format == 0 ? Eng.Catalog.CurrentFormat : (int)Math.Min(catalog.Format, int.MaxValue),
            Model = new Eng.ModelShape
            {
                Fingerprint = catalog.ModelFingerprint,
                Name = catalog.ModelName.Length == 0 ? null : catalog.ModelName,
                Layers = (int)Math.Min(catalog.Layers, int.MaxValue),
                NeuronsPerLayer = (int)Math.Min(catalog.NeuronsPerLayer, int.MaxValue),
            },
            Version = catalog.Version,
            Sets = sets,
            Probes = catalog.Probes.Count == 0 ? null : catalog.Probes.Select(CatalogProbeMapping.ToEngine).ToList(),
        };
    }

    public static Wire.Catalog ToProto(Eng.Catalog catalog)
    {
        var result = new Wire.Catalog
        {
            Format = (uint)catalog.Format,
            ModelFingerprint = catalog.Model.Fingerprint,
            Layers = (uint)catalog.Model.Layers,
            NeuronsPerLayer = (uint)catalog.Model.NeuronsPerLayer,
            Version = catalog.Version,
            ModelName = catalog.Model.Name ?? "",
        };
        foreach (var set in catalog.Sets)
        {
            var s = new Wire.NeuronSet
            {
                Name = set.Name,
                Kind = set.Kind switch
                {
                    Eng.NeuronSetKind.Safety => Wire.NeuronSetKind.Safety,
                    Eng.NeuronSetKind.Toxicity => Wire.NeuronSetKind.Toxicity,
                    Eng.NeuronSetKind.Backdoor => Wire.NeuronSetKind.Backdoor,
                    _ => Wire.NeuronSetKind.Custom,
                },
                Role = set.Role switch
                {
                    Eng.NeuronSetRole.Detect => Wire.NeuronSetRole.Detect,
                    Eng.NeuronSetRole.Attenuate => Wire.NeuronSetRole.Attenuate,
                    _ => Wire.NeuronSetRole.Unspecified,
                },
                Provenance = set.Provenance is null ? null
                    : new Wire.Provenance { Method = set.Provenance.Method, Data = set.Provenance.Data, Date = set.Provenance.Date },
            };
            foreach (var n in set.Neurons)
            {
                s.Neurons.Add(new Wire.CatalogNeuron
                {
                    Neuron = new Wire.NeuronRef { Layer = (uint)n.Layer, Index = (uint)n.Index },
                    Score = (float)(n.Score ?? 0),
                    Gain = (float)(n.Gain ?? 0),
                    Explanation = ToProto(n.Explanation),
                });
            }
            result.Sets.Add(s);
        }
        result.Probes.AddRange((catalog.Probes ?? []).Select(CatalogProbeMapping.ToProto));
        return result;
    }

    /// <summary>The wire explanation; null stays unset (catalogs without explanations round-trip unchanged).</summary>
    public static Wire.NeuronExplanation? ToProto(Eng.NeuronExplanation? e)
    {
        if (e is null)
        {
            return null;
        }
        var wire = new Wire.NeuronExplanation { Method = e.Method };
        wire.Promotes.Add(e.Promotes);
        wire.Suppresses.Add(e.Suppresses);
        return wire;
    }

    private static Eng.NeuronExplanation? ToEngine(Wire.NeuronExplanation? e) =>
        e is null ? null : new Eng.NeuronExplanation { Promotes = [.. e.Promotes], Suppresses = [.. e.Suppresses], Method = e.Method };
}
