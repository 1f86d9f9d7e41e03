namespace NeuronGuard.Daemon.WebConsole;

/// <summary>Settings of the operators' web console (config section "Console" of the daemon).</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// Serve the console at <c>/console</c> on the metrics/admin listener (<c>Metrics:Listen</c>). Defaults to true: the
    /// page is static and holds no data; everything it shows comes from the HTTP/JSON API, which asks for a token.
    /// </summary>
    public bool Enabled { get; set; } = true;
}
