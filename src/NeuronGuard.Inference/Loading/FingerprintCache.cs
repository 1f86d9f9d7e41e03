using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuronGuard.Inference.Loading;

/// <summary>
/// Per-tensor content hashes of a checkpoint file, keyed by its full path, size and modification time, so a restart
/// does not re-read gigabytes. Kept in memory, and on disk for files of at least <see cref="DiskMinBytes"/> (hashing a
/// smaller file costs milliseconds): one JSON file per checkpoint file in the cache folder, shared with the Python
/// client (same layout; docs/telemetry.md). A file modified less than <see cref="RacyWindow"/> ago is not cached,
/// since a second write within the file system's timestamp granularity would keep size and time.
/// </summary>
internal sealed class FingerprintCache
{
    public const long DiskMinBytes = 64L << 20;
    public static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, (long Size, long Ticks, Dictionary<string, string> Hashes)> _memory = new();
    private readonly string? _dir;
    private readonly long _diskMinBytes;

    public FingerprintCache(string? dir, long diskMinBytes = DiskMinBytes)
    {
        _dir = dir;
        _diskMinBytes = diskMinBytes;
    }

    /// <summary>
    /// <c>NEURONGUARD_FINGERPRINT_CACHE</c> when set (empty or <c>off</c>: memory only), else
    /// <c>$XDG_CACHE_HOME/neuronguard/fingerprints</c>, else <c>~/.cache/neuronguard/fingerprints</c>.
    /// </summary>
    public static FingerprintCache Default { get; } = new(DefaultDir());

    public static string? DefaultDir()
    {
        string? set = Environment.GetEnvironmentVariable("NEURONGUARD_FINGERPRINT_CACHE");
        if (set is not null)
        {
            return set.Length == 0 || set == "off" ? null : set;
        }
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string? root = !string.IsNullOrEmpty(xdg) ? xdg : home.Length > 0 ? Path.Combine(home, ".cache") : null;
        return root is null ? null : Path.Combine(root, "neuronguard", "fingerprints");
    }

    /// <summary>The cache file of <paramref name="path"/>: lowercase hex XxHash128 of its full path in UTF-8, ".json".</summary>
    public string? FileFor(string path) =>
        _dir is null ? null : Path.Combine(_dir, Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(Path.GetFullPath(path)))) + ".json");

    public Dictionary<string, string>? Get(string path)
    {
        var (full, size, ticks) = Stamp(path);
        if (_memory.TryGetValue(full, out var m) && m.Size == size && m.Ticks == ticks)
        {
            return m.Hashes;
        }
        if (size < _diskMinBytes || FileFor(full) is not { } file || !File.Exists(file))
        {
            return null;
        }
        try
        {
            var doc = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            if ((int?)doc["recipe"] != 2 || (string?)doc["path"] != full || (long?)doc["size"] != size || (long?)doc["mtime_ticks"] != ticks)
            {
                return null;
            }
            var hashes = doc["tensors"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal);
            _memory[full] = (size, ticks, hashes);
            return hashes;
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException or FormatException or NullReferenceException or UnauthorizedAccessException)
        {
            return null; // an unreadable cache entry is recomputed and overwritten
        }
    }

    public void Put(string path, Dictionary<string, string> hashes)
    {
        var (full, size, ticks) = Stamp(path);
        if (DateTime.UtcNow - new DateTime(ticks, DateTimeKind.Utc) < RacyWindow)
        {
            return;
        }
        _memory[full] = (size, ticks, hashes);
        if (size < _diskMinBytes || FileFor(full) is not { } file)
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var tensors = new JsonObject();
            foreach (var (name, hash) in hashes.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                tensors[name] = hash;
            }
            var doc = new JsonObject { ["recipe"] = 2, ["path"] = full, ["size"] = size, ["mtime_ticks"] = ticks, ["tensors"] = tensors };
            string tmp = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(tmp, doc.ToJsonString());
            File.Move(tmp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full cache folder only costs a re-hash at the next start.
        }
    }

    private static (string Full, long Size, long Ticks) Stamp(string path)
    {
        var info = new FileInfo(path);
        return (info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
    }
}
