using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Engine.Calibration;

/// <summary>
/// Builds the per-slot statistics of a baseline from benign requests (each a whole steps × slots block). Values
/// are kept until <see cref="Build"/> because the histogram range is the data's min..max: memory is
/// slots × calibration steps × 4 bytes (the catalogued slots are few; discovery, over all neurons, streams).
/// </summary>
public sealed class BaselineBuilder
{
    private readonly SlotLayout _layout;
    private readonly CalibrationOptions _options;
    private readonly DetectorOptions _detectorOptions;
    private readonly List<(float[] Values, int Steps, int PromptSteps)> _requests = new();

    public BaselineBuilder(SlotLayout layout, CalibrationOptions options, DetectorOptions detectorOptions)
    {
        _layout = layout;
        _options = options;
        _detectorOptions = detectorOptions;
    }

    public int Requests => _requests.Count;

    /// <summary>
    /// Neurons whose every calibration value was the same, found by <see cref="Build"/>: warn about them. Their σ and
    /// step RMS are raised to the median of the moving slots (1 when none moves) instead of staying 0, where the
    /// detectors' 1e-4 floor would make any deviation — one all-zero frame — a flag of thousands of σ.
    /// </summary>
    public IReadOnlyList<NeuronRef> ConstantNeurons { get; private set; } = [];

    /// <summary>The one-line warning for <see cref="ConstantNeurons"/>, or null when there are none.</summary>
    public string? ConstantWarning => ConstantNeurons.Count == 0 ? null
        : $"{ConstantNeurons.Count} catalogued neuron(s) were constant on the benign traffic ({string.Join(", ", ConstantNeurons.Take(5).Select(n => $"L{n.Layer}N{n.Index}"))}{(ConstantNeurons.Count > 5 ? ", ..." : "")}): their spread was set to the median of the others; check the catalog, or calibrate on more varied traffic";

    /// <summary>A request whose every step is a prompt position (see the overload).</summary>
    public void AddRequest(ReadOnlySpan<float> values, int steps) => AddRequest(values, steps, steps);

    /// <summary>
    /// A benign request of <paramref name="steps"/> steps whose first <paramref name="promptSteps"/> are its prompt
    /// (the prefill block, <see cref="PrefillRule"/>): those feed the trigger scan's prefill statistics.
    /// </summary>
    public void AddRequest(ReadOnlySpan<float> values, int steps, int promptSteps)
    {
        if (steps < 1 || values.Length != steps * _layout.Count)
        {
            Throw.Argument($"a request of {steps} steps needs {steps * _layout.Count} values, got {values.Length}.", nameof(values));
        }
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                Throw.Argument("a calibration value is NaN or infinite: the model produced non-finite activations.", nameof(values));
            }
        }
        _requests.Add((values.ToArray(), steps, Math.Clamp(promptSteps, 0, steps)));
    }

    /// <summary>The baseline without thresholds; <see cref="ThresholdCalibrator"/> adds them.</summary>
    public Baseline Build(string fingerprint, string catalogVersion)
    {
        if (_requests.Count == 0)
        {
            Throw.InvalidOperation("no calibration requests were added: give benign texts to calibrate on.");
        }
        var slots = new SlotBaseline[_layout.Count];
        for (int s = 0; s < slots.Length; s++)
        {
            slots[s] = BuildSlot(s);
        }
        FloorConstantSlots(slots);
        return new Baseline
        {
            Fingerprint = fingerprint, CatalogVersion = catalogVersion, Bins = _options.Bins,
            MassThreshold = _options.MassThreshold, TargetFpr = _options.TargetFpr, Slots = slots, Detectors = [],
        };
    }

    private SlotBaseline BuildSlot(int s)
    {
        int width = _layout.Count;
        double sum = 0, sumSq = 0;
        long n = 0;
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (var (values, steps, _) in _requests)
        {
            for (int t = 0; t < steps; t++)
            {
                float x = values[t * width + s];
                sum += x;
                sumSq += (double)x * x;
                n++;
                lo = Math.Min(lo, x);
                hi = Math.Max(hi, x);
            }
        }
        double mean = sum / n;
        double std = Math.Sqrt(Math.Max(0, sumSq / n - mean * mean));
        double deltaSq = 0;
        long deltas = 0;
        var counts = new long[_options.Bins];
        foreach (var (values, steps, _) in _requests)
        {
            double previous = (float)mean; // the backdoor detector starts from the float mean
            for (int t = 0; t < steps; t++)
            {
                float x = values[t * width + s];
                if (t < _detectorOptions.BackdoorWindow)
                {
                    deltaSq += (x - previous) * (x - previous);
                    deltas++;
                }
                previous = x;
                counts[CoverageBins.Bin(x, lo, hi, _options.Bins)]++;
            }
        }
        var mass = new ushort[_options.Bins];
        for (int b = 0; b < mass.Length; b++)
        {
            mass[b] = (ushort)Math.Round((double)counts[b] / n * ushort.MaxValue);
        }
        float rms = deltas == 0 ? 0 : (float)Math.Sqrt(deltaSq / deltas);
        return new SlotBaseline(_layout.Slots[s], (float)mean, (float)std, rms, lo, hi, mass) { Prefill = BuildPrefill(s) };
    }

    /// <summary>Level mean/std and change RMS over prompt positions 1 … p − 1 (within the scan's window); null without any.</summary>
    private PrefillStats? BuildPrefill(int s)
    {
        int width = _layout.Count;
        double sum = 0, sumSq = 0, deltaSq = 0;
        long n = 0;
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (var (values, _, prompt) in _requests)
        {
            int end = Math.Min(prompt, _detectorOptions.TriggerScanMaxPositions);
            for (int t = 1; t < end; t++)
            {
                float x = values[t * width + s];
                float d = x - values[(t - 1) * width + s];
                sum += x;
                sumSq += (double)x * x;
                deltaSq += (double)d * d;
                n++;
                lo = Math.Min(lo, x);
                hi = Math.Max(hi, x);
            }
        }
        if (n == 0)
        {
            return null;
        }
        double mean = sum / n;
        return new PrefillStats((float)mean, (float)Math.Sqrt(Math.Max(0, sumSq / n - mean * mean)), (float)Math.Sqrt(deltaSq / n), lo, hi);
    }

    private void FloorConstantSlots(SlotBaseline[] slots)
    {
        var moving = slots.Where(s => s.Lo != s.Hi).ToList();
        float std = moving.Count == 0 ? 1f : Median(moving.Select(s => s.Std));
        float rms = moving.Count == 0 ? 1f : Median(moving.Select(s => s.DeltaRms));
        var constant = new List<NeuronRef>();
        for (int i = 0; i < slots.Length; i++)
        {
            if (slots[i].Lo == slots[i].Hi)
            {
                constant.Add(slots[i].Neuron);
                slots[i] = slots[i] with { Std = Math.Max(slots[i].Std, std), DeltaRms = Math.Max(slots[i].DeltaRms, rms) };
            }
        }
        ConstantNeurons = constant;
        FloorConstantPrefill(slots);
    }

    /// <summary>
    /// The same floor for the prefill statistics: a slot that never moved at prefill gets the others' median σ and
    /// change RMS, and its one-point range is widened to the others' median width around that point.
    /// </summary>
    private static void FloorConstantPrefill(SlotBaseline[] slots)
    {
        var moving = slots.Where(s => s.Prefill is { } p && p.Hi > p.Lo).Select(s => s.Prefill!.Value).ToList();
        float std = moving.Count == 0 ? 1f : Median(moving.Select(p => p.Std));
        float rms = moving.Count == 0 ? 1f : Median(moving.Select(p => p.DeltaRms));
        float width = moving.Count == 0 ? 1f : Median(moving.Select(p => p.Hi - p.Lo));
        for (int i = 0; i < slots.Length; i++)
        {
            if (slots[i].Prefill is { } p && p.Hi <= p.Lo)
            {
                slots[i] = slots[i] with
                {
                    Prefill = p with { Std = Math.Max(p.Std, std), DeltaRms = Math.Max(p.DeltaRms, rms), Lo = p.Lo - width / 2, Hi = p.Hi + width / 2 },
                };
            }
        }
    }

    private static float Median(IEnumerable<float> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(sorted.Length - 1) / 2];
    }
}
