namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// Whole-file writes that a crash cannot tear: write a temporary file beside the target, fsync it, rename it
/// over the target, fsync the directory. A reader (or a restart) sees the old file or the new one, never a mix.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Temporary files carry this marker so a restart can delete the leftovers of a crash.</summary>
    public const string TempMarker = ".tmp-";

    /// <summary>Writes <paramref name="path"/>; with <paramref name="overwrite"/> false an existing file is kept and false returned.</summary>
    public static bool Write(string path, ReadOnlySpan<byte> content, bool durable, bool overwrite = true)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = path + TempMarker + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: durable);
            }
            if (!overwrite && File.Exists(path))
            {
                return false;
            }
            File.Move(temp, path, overwrite);
        }
        finally
        {
            File.Delete(temp);
        }
        if (durable)
        {
            DirectorySync.Flush(directory);
        }
        return true;
    }

    /// <summary>Deletes temporary files a crash left under <paramref name="root"/>.</summary>
    public static void DeleteLeftovers(string root)
    {
        if (!Directory.Exists(root))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(root, "*" + TempMarker + "*", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }
    }
}
