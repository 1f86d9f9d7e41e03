namespace NeuronGuard.Storage.Sync;

/// <summary>
/// Signals for callers waiting until the cache serves a policy version (a writer answers only once its own write
/// is visible here). Completed after each sync pass has told its subscribers, so the waiter sees the new policy.
/// </summary>
public sealed partial class StoreSync<TCatalog, TBaseline>
{
    private readonly Lock _waitersGate = new();
    private readonly List<(long Version, TaskCompletionSource Done)> _versionWaiters = [];

    /// <summary>Completes once the cached policy is at <paramref name="version"/> or later (at once when it already is).</summary>
    public Task WaitForPolicyVersionAsync(long version, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource done;
        lock (_waitersGate)
        {
            if (Policy.Version >= version)
            {
                return Task.CompletedTask;
            }
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _versionWaiters.Add((version, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    private void SignalVersionWaiters()
    {
        var reached = Policy.Version;
        lock (_waitersGate)
        {
            for (var i = _versionWaiters.Count - 1; i >= 0; i--)
            {
                if (_versionWaiters[i].Version <= reached || _versionWaiters[i].Done.Task.IsCompleted)
                {
                    _versionWaiters[i].Done.TrySetResult();
                    _versionWaiters.RemoveAt(i);
                }
            }
        }
    }
}
