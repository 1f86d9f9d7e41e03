using System.Globalization;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon;

namespace NeuronGuard.Cli.Ctl;

/// <summary>Flag values ⇄ proto enums, durations and times as ctl prints them.</summary>
internal static class CtlFormats
{
    public static MitigationMode ParseMode(string value) => Labels.ParseMode(value)
        ?? throw new CtlUsageException($"--mode '{value}' is not a mode: use off, shadow, on-flag, always, abort or mask-attention.");

    public static GainPreset ParsePreset(string value) => value.Trim().ToLowerInvariant() switch
    {
        "aura" => GainPreset.Aura,
        "det0" => GainPreset.Det0,
        "damp" => GainPreset.Damp,
        _ => throw new CtlUsageException($"--preset '{value}' is not a preset: use aura, det0 or damp."),
    };

    public static string Mode(MitigationMode mode) => mode == MitigationMode.Unspecified ? "-" : Labels.ModeFlag(mode);

    public static string Preset(GainPreset preset, uint topK) => preset switch
    {
        GainPreset.Aura => topK > 0 ? $"aura(top {topK})" : "aura",
        GainPreset.Det0 => topK > 0 ? $"det0(top {topK})" : "det0",
        GainPreset.Damp => "damp",
        _ => "-",
    };

    /// <summary>"90", "90s", "10m", "2h", "1d" → seconds.</summary>
    public static uint ParseTtl(string value)
    {
        var v = value.Trim().ToLowerInvariant();
        double factor = v.Length == 0 ? 0 : v[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, >= '0' and <= '9' => 1, _ => 0 };
        var number = v.Length > 0 && char.IsAsciiLetter(v[^1]) ? v[..^1] : v;
        if (factor == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) || !(n > 0) || n * factor > uint.MaxValue)
        {
            throw new CtlUsageException($"--ttl '{value}' is not a duration: use e.g. 90s, 10m, 2h or 1d.");
        }
        return (uint)Math.Ceiling(n * factor);
    }

    public static string Time(long unixMs) =>
        unixMs == 0 ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Number(float value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Scores(IEnumerable<DetectorScore> scores) =>
        string.Join(" ", scores.Select(s => $"{Detector(s.Detector)}={Number(s.Score)}{(s.Flagged ? "!" : "")}"));

    public static string Detector(Api.V1.Detector detector) => Labels.Detector(detector);
}
