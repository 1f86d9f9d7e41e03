namespace NeuronGuard.Engine.Catalogs;

/// <summary>
/// The probe part of <see cref="CatalogValidator"/>: each problem names the probe and, where one is at fault, the
/// neuron, because the daemon answers PutCatalog's INVALID_ARGUMENT with these lines. A probe may read any neuron of
/// the model; one that names a set may read only that set's neurons (a probe trained over another catalog's set is
/// caught here rather than scoring the wrong neurons).
/// </summary>
internal static class CatalogProbeValidator
{
    public static void Check(Catalog catalog, List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var probe in catalog.Probes ?? [])
        {
            string name = $"probe '{probe.Name}'";
            if (string.IsNullOrWhiteSpace(probe.Name) || probe.Name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                errors.Add($"{name}: name it without spaces (e.g. \"toxicity\"): the detector is called probe:NAME.");
            }
            else if (!names.Add(probe.Name))
            {
                errors.Add($"{name} appears twice: rename one (`neuronguard catalog add-probe --name`).");
            }
            if (!IsFiniteFloat(probe.Bias))
            {
                errors.Add($"{name}: bias {probe.Bias} is not a finite number: retrain the probe.");
            }
            var set = probe.Set is null ? null : catalog.Sets?.FirstOrDefault(s => s.Name == probe.Set);
            if (probe.Set is not null && set is null)
            {
                errors.Add($"{name} names set '{probe.Set}', which the catalog does not have: attach it to the catalog it was trained on.");
            }
            if (probe.Neurons is null || probe.Neurons.Count == 0)
            {
                errors.Add($"{name} has no neurons: every weight was 0 (lower --lambda when training) or the file is empty.");
                continue;
            }
            var members = set?.Neurons.Select(n => n.Ref).ToHashSet();
            var seen = new HashSet<NeuronRef>();
            foreach (var n in probe.Neurons)
            {
                CheckNeuron(name, n, catalog.Model, members, probe.Set, seen, errors);
            }
        }
    }

    private static void CheckNeuron(string name, CatalogProbeNeuron n, ModelShape shape, HashSet<NeuronRef>? members, string? set,
        HashSet<NeuronRef> seen, List<string> errors)
    {
        string at = $"{name}, neuron {n.Ref}";
        bool inRange = true;
        if (n.Layer < 0 || (shape.Layers > 0 && n.Layer >= shape.Layers))
        {
            errors.Add($"{at}: layer {n.Layer} does not exist: the model has {shape.Layers} layers (0–{shape.Layers - 1}).");
            inRange = false;
        }
        if (n.Index < 0 || (shape.NeuronsPerLayer > 0 && n.Index >= shape.NeuronsPerLayer))
        {
            errors.Add($"{at}: index {n.Index} is out of range: each layer has {shape.NeuronsPerLayer} neurons (0–{shape.NeuronsPerLayer - 1}).");
            inRange = false;
        }
        if (inRange && members is not null && !members.Contains(n.Ref))
        {
            errors.Add($"{at} is unknown to set '{set}' the probe was trained over: attach the probe to the catalog version it was trained on, or retrain it.");
        }
        if (!seen.Add(n.Ref))
        {
            errors.Add($"{at} is listed twice: remove the duplicate.");
        }
        if (!IsFiniteFloat(n.Weight) || !IsFiniteFloat(n.Mean))
        {
            errors.Add($"{at}: weight {n.Weight} and mean {n.Mean} must be finite numbers: retrain the probe (non-finite activations in its data?).");
        }
        if (!(n.Scale > 0) || !IsFiniteFloat(n.Scale))
        {
            errors.Add($"{at}: scale {n.Scale} must be a finite number > 0 (the standard deviation the trainer divided by).");
        }
    }

    /// <summary>Finite also once narrowed to float, as the wire and the scorer hold it.</summary>
    private static bool IsFiniteFloat(double v) => float.IsFinite((float)v);
}
