using Grpc.Core;
using NeuronGuard.Api.V1;
using NeuronGuard.Engine.Detectors;
using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Daemon;

/// <summary>
/// The one map from enums to the words metrics, logs, verdict lines and the CLI print: detectors, mitigation modes,
/// store states and gRPC status codes. It lives here because this is the one project that sees every enum involved
/// (Api, Engine, Storage, Grpc.Core) and that the daemon, its metrics and the CLI all reference. docs/metrics.md lists
/// the label values; a test compares them with a live scrape.
/// </summary>
public static class Labels
{
    /// <summary>Every detector label, in <see cref="Detector"/> order (the metric families' fixed vocabulary).</summary>
    public static readonly string[] Detectors = ["coverage", "toxicity", "safety", "backdoor", "integrity", "probe", TriggerScan];

    /// <summary>The trigger scan's label.</summary>
    private const string TriggerScan = "trigger_scan";

    /// <summary>The modes that attenuate or abort, as <c>neuronguard_mitigations_total</c> counts them.</summary>
    public static readonly string[] ActiveModes = ["on_flag", "always", "shadow", "abort", "mask_attention"];

    /// <summary>Every store state label, in <see cref="StoreHealthState"/> order.</summary>
    public static readonly string[] StoreStates = ["serving", "serving_from_snapshot", "degraded", "not_serving"];

    private static readonly string[] StatusNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>"coverage", "toxicity", ...; "other" for a value this build does not know.</summary>
    public static string Detector(Api.V1.Detector detector) =>
        (int)detector >= 1 && (int)detector <= Detectors.Length ? Detectors[(int)detector - 1] : "other";

    public static string Detector(DetectorKind kind) => Detector(ToProto(kind));

    /// <summary>The engine's detector kind as the API names it.</summary>
    public static Api.V1.Detector ToProto(DetectorKind kind) => kind switch
    {
        DetectorKind.Coverage => Api.V1.Detector.Coverage,
        DetectorKind.Toxicity => Api.V1.Detector.Toxicity,
        DetectorKind.Safety => Api.V1.Detector.Safety,
        DetectorKind.Backdoor => Api.V1.Detector.Backdoor,
        DetectorKind.Probe => Api.V1.Detector.Probe,
        DetectorKind.TriggerScan => Api.V1.Detector.TriggerScan,
        _ => Api.V1.Detector.Integrity,
    };

    /// <summary>"off", "shadow", "on_flag", "always", "abort", "mask_attention" (metric labels, logs); "other" for an unknown value.</summary>
    public static string Mode(MitigationMode mode) => mode switch
    {
        MitigationMode.Off => "off",
        MitigationMode.Shadow => "shadow",
        MitigationMode.OnFlag => "on_flag",
        MitigationMode.Always => "always",
        MitigationMode.Abort => "abort",
        MitigationMode.MaskAttention => "mask_attention",
        _ => "other",
    };

    /// <summary>The same word as a command-line value: "on-flag" (flags use hyphens).</summary>
    public static string ModeFlag(MitigationMode mode) => Mode(mode).Replace('_', '-');

    /// <summary>A mode from either spelling ("on_flag", "on-flag", any case); null when it names no mode.</summary>
    public static MitigationMode? ParseMode(string value)
    {
        var word = value.Trim().ToLowerInvariant().Replace('-', '_');
        foreach (var mode in (ReadOnlySpan<MitigationMode>)[MitigationMode.Off, MitigationMode.Shadow, MitigationMode.OnFlag, MitigationMode.Always, MitigationMode.Abort, MitigationMode.MaskAttention])
        {
            if (word == Mode(mode))
            {
                return mode;
            }
        }
        return null;
    }

    /// <summary>"serving", "serving_from_snapshot", "degraded", "not_serving".</summary>
    public static string StoreState(StoreHealthState state) =>
        (uint)state < (uint)StoreStates.Length ? StoreStates[(int)state] : "not_serving";

    /// <summary>"INVALID_ARGUMENT" for <see cref="StatusCode.InvalidArgument"/>, as gRPC documents the codes.</summary>
    public static string Status(StatusCode code) => (uint)code < (uint)StatusNames.Length ? StatusNames[(int)code] : "UNKNOWN";
}
