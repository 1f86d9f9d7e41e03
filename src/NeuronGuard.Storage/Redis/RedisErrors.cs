using StackExchange.Redis;

namespace NeuronGuard.Storage.Redis;

/// <summary>
/// Every message the Redis store gives for a failed command, in one place. Each names the endpoint, says what to
/// change, and for a write whether it was applied.
/// </summary>
internal sealed partial class RedisErrors(string endpoint, RedisStoreOptions options)
{
    /// <summary>
    /// Server replies that reject a command before it runs: cluster redirects the client could not follow, a
    /// failover in progress, a replica or a loading server. A write refused with one of these was NOT applied.
    /// </summary>
    private static readonly string[] RejectedBeforeRunning = ["MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "LOADING", "MASTERDOWN"];

    public enum Outcome { Read, NotApplied, Unknown, PartlyApplied }

    public string Endpoint { get; } = endpoint;

    /// <summary>The store's error for a client exception; null for one that is a bug of ours (a script error, a wrong type).</summary>
    public StoreException? Map(Exception e, string area, bool isWrite, string? lastFailure)
    {
        switch (e)
        {
            case RedisConnectionException c:
                var neverSent = c.FailureType == ConnectionFailureType.UnableToResolvePhysicalConnection || c.CommandStatus == CommandStatus.WaitingToBeSent;
                // "No connection is available" says little when the client knows why (a refused TLS handshake, say).
                var reason = neverSent && lastFailure is not null ? $"{Short(lastFailure)}; {Short(c.Message)}" : Short(c.Message);
                return Unavailable(area, reason, !isWrite ? Outcome.Read : neverSent ? Outcome.NotApplied : Outcome.Unknown, e);
            case RedisTimeoutException t:
                return Unavailable(area, $"no answer within {options.OperationTimeout.TotalSeconds:0.#} s",
                    !isWrite ? Outcome.Read : t.Commandstatus == CommandStatus.WaitingToBeSent ? Outcome.NotApplied : Outcome.Unknown, e);
            case RedisServerException s when s.Message.StartsWith("NOAUTH", StringComparison.Ordinal) || s.Message.Contains("WRONGPASS", StringComparison.Ordinal):
                return new StoreUnavailableException($"{area} unavailable: redis at {Endpoint} refused the credentials of user '{User}' ({s.Message}); " +
                    $"check Store:Redis:User and Store:Redis:Password{Tail(isWrite ? Outcome.NotApplied : Outcome.Read)}", e);
            case RedisServerException s when s.Message.StartsWith("NOPERM", StringComparison.Ordinal):
                return new StoreUnavailableException($"{area} refused: redis at {Endpoint} denies ACL user '{User}' a permission the store needs ({s.Message}). " +
                    $"{Needs}{Tail(isWrite ? Outcome.NotApplied : Outcome.Read)}", e);
            case RedisServerException s when s.Message.Contains("The user executing the script can't", StringComparison.Ordinal):
                // Refused inside a script: what ran before the refused call stays applied (Redis does not roll back).
                return new StoreUnavailableException($"{area} refused: redis at {Endpoint} denies ACL user '{User}' a permission the store needs ({s.Message}). " +
                    $"{Needs}{Tail(isWrite ? Outcome.PartlyApplied : Outcome.Read)}", e);
            case RedisServerException s when RejectedBeforeRunning.Any(code => s.Message.StartsWith(code, StringComparison.Ordinal)):
                return Unavailable(area, $"the server refused the command: {s.Message}", isWrite ? Outcome.NotApplied : Outcome.Read, e);
            default:
                return null;
        }
    }

    /// <summary>
    /// The cause without the client's state dump (", mc: 1/1/0, mgr: …, IOCP: …", about 1,000 characters that help
    /// nobody operating the daemon): cut at the first dump field, at most 300 characters.
    /// </summary>
    internal static string Short(string message)
    {
        var cut = DumpField().Match(message);
        var text = (cut.Success ? message[..cut.Index] : message).ReplaceLineEndings(" ").Trim().TrimEnd(',', ';');
        return text.Length <= 300 ? text : text[..297] + "...";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(,|;)\s*(last|origin|outstanding|last-read|last-write|keep-alive|state|mgr|last-heartbeat|global|v|mc|clientName|IOCP|WORKER|POOL|inst|qu|qs|aw|bw|rs|ws|in|in-pipe|out-pipe|serverEndpoint|sync-ops|async-ops|conn-sec|aoc|Local-CPU|Server-Connected-Seconds|Last-Result-Bytes|Last-Used-Seconds):|\. To allow this multiplexer|\s*\(Please take a look")]
    private static partial System.Text.RegularExpressions.Regex DumpField();

    public StoreUnavailableException Unavailable(string area, string reason, Outcome outcome, Exception? inner) =>
        new($"{area} unavailable: redis at {Endpoint} is unreachable ({reason}){Tail(outcome)}", inner);

    private string User => options.User ?? "default";

    private string Needs => $"The store needs keys '~{RedisKeys.Tag(options.KeyPrefix)}*', channel '&{RedisKeys.Tag(options.KeyPrefix)}*' " +
        "and the commands of @read @write @scripting @pubsub; grant them with ACL SETUSER";

    private static string Tail(Outcome outcome) => outcome switch
    {
        Outcome.NotApplied => "; the change was NOT applied",
        Outcome.Unknown => "; the connection broke mid-call, so the change may or may not have been applied: read the current version before retrying",
        Outcome.PartlyApplied => "; the script stopped at the refused call, so part of the change may have been applied: read the current version before retrying",
        _ => "",
    };
}
