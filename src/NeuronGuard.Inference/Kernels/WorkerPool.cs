namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// Fixed worker threads that run one <see cref="IParallelJob"/> at a time. Used instead of
/// <c>Parallel.For</c> because the decode loop must not allocate per token (Parallel.For allocates
/// its loop state and a closure each call). The calling thread runs part 0 itself.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _start;
    private readonly CountdownEvent _done;
    private readonly object _gate = new();
    private IParallelJob? _job;
    private volatile bool _stopping;

    public WorkerPool(int threads)
    {
        Threads = Math.Max(1, threads);
        _threads = new Thread[Threads - 1];
        _start = new ManualResetEventSlim[Threads - 1];
        _done = new CountdownEvent(1);
        for (int i = 0; i < _threads.Length; i++)
        {
            int part = i + 1;
            _start[i] = new ManualResetEventSlim(false, spinCount: 2000);
            _threads[i] = new Thread(() => Loop(part)) { IsBackground = true, Name = $"neuronguard-cpu-{part}" };
            _threads[i].Start();
        }
    }

    public int Threads { get; }

    /// <summary>Runs every part of <paramref name="job"/> and returns when all are done.</summary>
    public void Run(IParallelJob job)
    {
        if (Threads == 1)
        {
            job.Execute(0, 1);
            return;
        }
        lock (_gate)
        {
            _job = job;
            _done.Reset(_threads.Length);
            foreach (var s in _start)
            {
                s.Set();
            }
            job.Execute(0, Threads);
            _done.Wait();
            _job = null;
        }
    }

    private void Loop(int part)
    {
        var start = _start[part - 1];
        while (true)
        {
            start.Wait();
            start.Reset();
            if (_stopping)
            {
                return;
            }
            try
            {
                _job!.Execute(part, Threads);
            }
            finally
            {
                _done.Signal();
            }
        }
    }

    /// <summary>The [begin, end) share of <paramref name="n"/> items for one part, in multiples of <paramref name="align"/>.</summary>
    public static (int Begin, int End) Split(int n, int part, int parts, int align = 16)
    {
        int units = (n + align - 1) / align;
        int begin = (int)((long)units * part / parts) * align;
        int end = (int)((long)units * (part + 1) / parts) * align;
        return (Math.Min(begin, n), Math.Min(end, n));
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var s in _start)
        {
            s.Set();
        }
        foreach (var t in _threads)
        {
            t.Join();
        }
        foreach (var s in _start)
        {
            s.Dispose();
        }
        _done.Dispose();
    }
}
