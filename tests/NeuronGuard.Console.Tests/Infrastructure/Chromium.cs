namespace NeuronGuard.Console.Tests.Infrastructure;

/// <summary>
/// Debian's chromium, which Playwright drives by executable path: Playwright's own browser builds cannot be fetched
/// here, and test.sh installs the Debian package. Without it, browser tests are skipped with this reason, never silently.
/// </summary>
public static class Chromium
{
    /// <summary>The browser; NEURONGUARD_CHROMIUM overrides the Debian path.</summary>
    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("NEURONGUARD_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public static string? MissingReason => File.Exists(ExecutablePath)
        ? null
        : $"no browser at {ExecutablePath}: install Debian's chromium (test.sh does) or set NEURONGUARD_CHROMIUM";
}

/// <summary>A test that needs <see cref="Chromium"/>: skipped, with the reason, when the browser is not installed.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}
