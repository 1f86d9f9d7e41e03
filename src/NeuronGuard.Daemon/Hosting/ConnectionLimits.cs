namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// The default for <see cref="DaemonOptions.MaxConnections"/>: three quarters of the file-descriptor limit left after
/// 128 for the daemon's own files, Redis and the metrics listener, capped at 10,000. A probe that opened 20,000 idle
/// TCP connections exhausted the descriptors and the runtime aborted ("Out of memory.", exit 134); with a cap Kestrel
/// refuses the extra connections and the existing ones keep being served.
/// </summary>
internal static class ConnectionLimits
{
    public static long Resolve(long configured) => configured > 0 ? configured : Derive(OpenFileLimit());

    internal static long Derive(long? openFileLimit) =>
        openFileLimit is { } limit ? Math.Clamp((limit - 128) * 3 / 4, 16, 10_000) : 1_000;

    /// <summary>The soft RLIMIT_NOFILE from /proc/self/limits ("Max open files  1024  1048576  files"), or null.</summary>
    internal static long? OpenFileLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 0 && long.TryParse(fields[0], out long soft) ? soft : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
