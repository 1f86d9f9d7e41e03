namespace NeuronGuard.Storage;

/// <summary>The two kinds of versioned, per-model records the store keeps. The numeric values are persisted.</summary>
public enum RecordKind : byte
{
    /// <summary>A neuron catalog (JSON written by the engine).</summary>
    Catalog = 1,

    /// <summary>A calibration baseline (compact binary written by the engine).</summary>
    Baseline = 2,
}

internal static class RecordKindNames
{
    /// <summary>The lower-case name used in keys, file paths, events and messages.</summary>
    public static string Name(this RecordKind kind) => kind switch
    {
        RecordKind.Catalog => "catalog",
        RecordKind.Baseline => "baseline",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown record kind"),
    };

    public static bool TryParse(string name, out RecordKind kind)
    {
        kind = name switch { "catalog" => RecordKind.Catalog, "baseline" => RecordKind.Baseline, _ => 0 };
        return kind != 0;
    }
}
