namespace NeuronGuard.Storage.Internal;

/// <summary>
/// The subscriber list of a store. A throwing handler is the subscriber's bug: it must not stop delivery to
/// the others or fail the write that raised the change, so its exception is swallowed here.
/// </summary>
internal sealed class ChangeHandlers
{
    private readonly Lock _gate = new();
    private Action<StoreChange>[] _handlers = [];

    public int Count => _handlers.Length;

    public IAsyncDisposable Add(Action<StoreChange> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }
        return new Registration(this, handler);
    }

    public void Raise(StoreChange change)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                handler(change);
            }
            catch (Exception)
            {
                // See the class comment.
            }
        }
    }

    private void Remove(Action<StoreChange> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Where(h => h != handler).ToArray();
        }
    }

    private sealed class Registration(ChangeHandlers owner, Action<StoreChange> handler) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            owner.Remove(handler);
            return ValueTask.CompletedTask;
        }
    }
}
