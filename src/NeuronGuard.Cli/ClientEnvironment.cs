namespace NeuronGuard.Cli;

/// <summary>
/// The one way every client command (ctl, generate, health, host) takes the daemon's address and the bearer token:
/// the flag when given, else NEURONGUARD_SERVER / NEURONGUARD_TOKEN, else the loopback default and no token.
/// </summary>
internal static class ClientEnvironment
{
    public const string ServerVariable = "NEURONGUARD_SERVER";
    public const string TokenVariable = "NEURONGUARD_TOKEN";
    public const string DefaultServer = "http://127.0.0.1:50051";

    /// <summary>The address a command uses when its flag is not given.</summary>
    public static string Server => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } s ? s : DefaultServer;

    /// <summary>Help text suffix of every address flag.</summary>
    public static string ServerHelp => $"(default: ${ServerVariable}, else {DefaultServer})";

    /// <summary>The token: <paramref name="given"/> (the --token flag) or NEURONGUARD_TOKEN; null for none.</summary>
    public static string? Token(string? given) =>
        !string.IsNullOrWhiteSpace(given) ? given : Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } t ? t : null;

    /// <summary>HOST:PORT or http(s)://HOST:PORT as an absolute http(s) URI; null when it is not an address.</summary>
    public static Uri? Address(string text)
    {
        string withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        return Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Port > 0 && uri.Host.Length > 0 ? uri : null;
    }
}
