using Eng = NeuronGuard.Engine.Catalogs;
using Wire = NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// A catalog's sparse probes between the wire (float weights, empty set = none) and the engine (double, null = none).
/// Values are copied as they are, NaN included, so <see cref="Eng.CatalogValidator"/> can name the probe and neuron.
/// </summary>
internal static class CatalogProbeMapping
{
    public static Eng.CatalogProbe ToEngine(Wire.SparseProbe probe) => new()
    {
        Name = probe.Name,
        Set = probe.Set.Length == 0 ? null : probe.Set,
        Bias = probe.Bias,
        Lambda = probe.Lambda == 0 ? null : probe.Lambda,
        Neurons = probe.Neurons.Select(n => new Eng.CatalogProbeNeuron
        {
            Layer = checked((int)(n.Neuron?.Layer ?? 0)),
            Index = checked((int)(n.Neuron?.Index ?? 0)),
            Weight = n.Weight,
            Mean = n.Mean,
            Scale = n.Scale,
        }).ToList(),
        Provenance = probe.Provenance is null ? null
            : new Eng.Provenance { Method = probe.Provenance.Method, Data = probe.Provenance.Data, Date = probe.Provenance.Date },
    };

    public static Wire.SparseProbe ToProto(Eng.CatalogProbe probe)
    {
        var result = new Wire.SparseProbe
        {
            Name = probe.Name,
            Set = probe.Set ?? "",
            Bias = (float)probe.Bias,
            Lambda = probe.Lambda ?? 0,
            Provenance = probe.Provenance is null ? null
                : new Wire.Provenance { Method = probe.Provenance.Method, Data = probe.Provenance.Data, Date = probe.Provenance.Date },
        };
        foreach (var n in probe.Neurons)
        {
            result.Neurons.Add(new Wire.ProbeNeuron
            {
                Neuron = new Wire.NeuronRef { Layer = (uint)n.Layer, Index = (uint)n.Index },
                Weight = (float)n.Weight,
                Mean = (float)n.Mean,
                Scale = (float)n.Scale,
            });
        }
        return result;
    }
}
