namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// An exclusive lock on a data directory (flock through <see cref="FileShare.None"/>), so two daemons never
/// write one embedded store. The kernel drops it when the process dies, kill -9 included.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    private readonly FileStream _stream;

    private DirectoryLock(FileStream stream) => _stream = stream;

    public static DirectoryLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, ".lock");
        try
        {
            return new DirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"the embedded store at '{directory}' is in use by another process (lock file '{path}'); stop that daemon or give this one another data directory", e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
