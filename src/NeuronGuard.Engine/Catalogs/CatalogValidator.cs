namespace NeuronGuard.Engine.Catalogs;

/// <summary>
/// Checks a catalog and lists every problem with its fix, so one run of <c>neuronguard catalog validate</c>
/// shows all of them: layers and indices out of range, duplicates, bad scores and gains, empty names, bad probes
/// (<see cref="CatalogProbeValidator"/>), and (with a model) a catalog written for another model.
/// </summary>
public static class CatalogValidator
{
    /// <summary>Throws <see cref="CatalogException"/> when <paramref name="catalog"/> is inconsistent in itself.</summary>
    public static void Validate(Catalog catalog) => ThrowIfAny(Check(catalog, null));

    /// <summary>Also checks that <paramref name="catalog"/> belongs to the model <paramref name="model"/>.</summary>
    public static void Validate(Catalog catalog, ModelShape model) => ThrowIfAny(Check(catalog, model));

    /// <summary>Every problem found, each saying what to fix; empty when the catalog is good.</summary>
    public static List<string> Check(Catalog catalog, ModelShape? model)
    {
        var errors = new List<string>();
        if (catalog.Format != Catalog.CurrentFormat)
        {
            errors.Add($"format {catalog.Format} is not supported: this build reads format {Catalog.CurrentFormat}; re-export the catalog.");
        }
        CheckModel(catalog.Model, model, errors);
        if (string.IsNullOrWhiteSpace(catalog.Version))
        {
            errors.Add("version is empty: give the catalog a version (e.g. \"1\" or a date) so baselines can name it.");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in catalog.Sets ?? [])
        {
            if (string.IsNullOrWhiteSpace(set.Name))
            {
                errors.Add("a set has an empty name: name every set (e.g. \"toxicity\").");
            }
            else if (!names.Add(set.Name))
            {
                errors.Add($"set '{set.Name}' appears twice: rename one or merge them.");
            }
            CheckSet(set, catalog.Model, errors);
        }
        CheckRoles(catalog.Sets ?? [], errors);
        if (catalog.Sets is null || catalog.Sets.Count == 0)
        {
            errors.Add("the catalog has no sets: add at least one set with neurons.");
        }
        CatalogProbeValidator.Check(catalog, errors);
        return errors;
    }

    private static void CheckModel(ModelShape shape, ModelShape? model, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(shape.Fingerprint))
        {
            errors.Add("model.fingerprint is empty: set it to the model's fingerprint (shown by `neuronguard discover` and the model host).");
        }
        if (shape.Name is { } name && (name.Length == 0 || name.EnumerateRunes().Count() > ModelShape.MaxNameLength || name.Any(char.IsControl)))
        {
            errors.Add($"model.name must be 1 to {ModelShape.MaxNameLength} characters without control characters (it becomes the metrics' model_name label); leave it out to show only the fingerprint.");
        }
        if (shape.Layers <= 0 || shape.NeuronsPerLayer <= 0)
        {
            errors.Add($"model.layers ({shape.Layers}) and model.neuronsPerLayer ({shape.NeuronsPerLayer}) must be positive: copy them from the model's config.");
        }
        if (model is null)
        {
            return;
        }
        if (!string.Equals(shape.Fingerprint, model.Fingerprint, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(shape.Fingerprint, model.LegacyFingerprint, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"the catalog is for model {Short(shape.Fingerprint)} but this model is {Short(model.Fingerprint)}: use the catalog discovered on this model, or run `neuronguard discover` on it.");
        }
        else if (shape.Layers != model.Layers || shape.NeuronsPerLayer != model.NeuronsPerLayer)
        {
            errors.Add($"the catalog says {shape.Layers} layers × {shape.NeuronsPerLayer} neurons but the model has {model.Layers} × {model.NeuronsPerLayer}: fix model.layers/neuronsPerLayer.");
        }
    }

    /// <summary>An attenuate set is triggered by the detect sets of its kind: without one its policy could never fire on a flag.</summary>
    private static void CheckRoles(IReadOnlyList<NeuronSet> sets, List<string> errors)
    {
        foreach (var set in sets)
        {
            if (!Enum.IsDefined(set.Role))
            {
                errors.Add($"set '{set.Name}' has role {(int)set.Role}: use both, detect or attenuate.");
            }
            else if (set.Role == NeuronSetRole.Attenuate && !sets.Any(o => o.Kind == set.Kind && o.Role.Detects()))
            {
                errors.Add($"set '{set.Name}' has role attenuate but the catalog has no {NeuronSetKindConverter.Name(set.Kind)} set that detects: " +
                    "its flag-triggered policy could never fire; add a detect (or both) set of that kind, or give this set role both.");
            }
        }
    }

    private static void CheckSet(NeuronSet set, ModelShape shape, List<string> errors)
    {
        string name = $"set '{set.Name}'";
        if (set.Neurons is null || set.Neurons.Count == 0)
        {
            errors.Add($"{name} has no neurons: add neurons or remove the set.");
            return;
        }
        var seen = new HashSet<NeuronRef>();
        foreach (var n in set.Neurons)
        {
            string at = $"{name}, neuron {n.Ref}";
            if (n.Layer < 0 || (shape.Layers > 0 && n.Layer >= shape.Layers))
            {
                errors.Add($"{at}: layer {n.Layer} does not exist: the model has {shape.Layers} layers (0–{shape.Layers - 1}).");
            }
            if (n.Index < 0 || (shape.NeuronsPerLayer > 0 && n.Index >= shape.NeuronsPerLayer))
            {
                errors.Add($"{at}: index {n.Index} is out of range: each layer has {shape.NeuronsPerLayer} neurons (0–{shape.NeuronsPerLayer - 1}).");
            }
            if (!seen.Add(n.Ref))
            {
                errors.Add($"{at} is listed twice: remove the duplicate.");
            }
            if (n.Score is { } s && !(s >= 0 && s <= 1))
            {
                errors.Add($"{at}: score {s} is not an AUROC: scores must lie in [0, 1].");
            }
            if (n.Gain is { } g && !(g >= 0 && double.IsFinite(g)))
            {
                errors.Add($"{at}: gain {g} is invalid: gains must be finite and ≥ 0 (0 ablates, 1 leaves the neuron as is).");
            }
            if (n.Explanation is { } e)
            {
                CheckExplanation(e, at, errors);
            }
        }
        if (set.Provenance is { } p && string.IsNullOrWhiteSpace(p.Method))
        {
            errors.Add($"{name}: provenance.method is empty: say how the set was found (e.g. \"aura-auroc\").");
        }
    }

    private static void CheckExplanation(NeuronExplanation e, string at, List<string> errors)
    {
        if (e.Promotes is null || e.Suppresses is null || string.IsNullOrWhiteSpace(e.Method))
        {
            errors.Add($"{at}: explanation needs promotes, suppresses and method: rerun `neuronguard explain` or remove the explanation.");
            return;
        }
        if (e.Promotes.Count > NeuronExplanation.MaxTokens || e.Suppresses.Count > NeuronExplanation.MaxTokens)
        {
            errors.Add($"{at}: explanation lists {Math.Max(e.Promotes.Count, e.Suppresses.Count)} tokens: keep at most {NeuronExplanation.MaxTokens} per list (`neuronguard explain --top-k`).");
        }
        if (e.Promotes.Concat(e.Suppresses).Any(t => t is null || t.Length > NeuronExplanation.MaxTokenLength))
        {
            errors.Add($"{at}: an explanation token is missing or longer than {NeuronExplanation.MaxTokenLength} characters: give each token as its decoded text.");
        }
    }

    private static void ThrowIfAny(List<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new CatalogException(errors);
        }
    }

    private static string Short(string fingerprint) =>
        string.IsNullOrEmpty(fingerprint) ? "(none)" : fingerprint.Length > 12 ? fingerprint[..12] + "…" : fingerprint;
}
