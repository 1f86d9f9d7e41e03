using System.Text.RegularExpressions;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Removes the server's file-system paths from messages that go to remote callers: where the embedded store or a
/// snapshot lives is the operator's business (the daemon's log has it), not every client's.
/// </summary>
public static partial class ServerPaths
{
    public static string Hide(string message) =>
        AbsolutePath().Replace(message ?? "", "(a server path)");

    // "/" followed by a path character, after a start, space, quote or parenthesis: /var/lib/neuronguard/store.
    [GeneratedRegex(@"(?<=^|[\s'""(=])/[^\s'"";,)]+")]
    private static partial Regex AbsolutePath();
}
