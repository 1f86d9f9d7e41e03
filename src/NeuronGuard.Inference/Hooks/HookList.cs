namespace NeuronGuard.Inference.Hooks;

/// <summary>
/// Copy-on-write list of registered hooks. The forward pass reads <see cref="Current"/> once per call:
/// null when none is registered, so the feature costs one null check per layer.
/// </summary>
internal sealed class HookList
{
    private readonly object _gate = new();
    private IMlpHook[]? _hooks;

    public IMlpHook[]? Current => Volatile.Read(ref _hooks);

    public IDisposable Add(IMlpHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        lock (_gate)
        {
            Volatile.Write(ref _hooks, [.. _hooks ?? [], hook]);
        }
        return new Registration(this, hook);
    }

    private void Remove(IMlpHook hook)
    {
        lock (_gate)
        {
            var rest = (_hooks ?? []).Where(h => !ReferenceEquals(h, hook)).ToArray();
            Volatile.Write(ref _hooks, rest.Length == 0 ? null : rest);
        }
    }

    private sealed class Registration(HookList list, IMlpHook hook) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                list.Remove(hook);
            }
        }
    }
}
