namespace LatentLab.Imitation;

/// <summary>
/// The helper threads of one training run's split gradient step (<see cref="BanditTrainer"/>.GradientStep): made once per
/// run and reused by every step, where a new thread per step made the process fault in a fresh stack and thread state each
/// time. <see cref="Run"/> runs part 0 on the caller and parts 1..n on the helpers, and returns when every part has ended;
/// which thread runs which part is fixed, so results never depend on timing. Not for concurrent use: one run, one pool.
/// </summary>
internal sealed class PartWorkers : IDisposable
{
    readonly Thread[] _threads;
    readonly SemaphoreSlim[] _go;
    readonly CountdownEvent _done;
    Action<int>? _work;
    volatile bool _stopping;

    /// <param name="helpers">How many helper threads (the run's thread count minus the caller).</param>
    public PartWorkers(int helpers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(helpers, 1);
        _threads = new Thread[helpers];
        _go = new SemaphoreSlim[helpers];
        _done = new CountdownEvent(helpers);
        for (int i = 0; i < helpers; i++)
        {
            int part = i + 1;
            _go[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(part), 16 << 20) { IsBackground = true, Name = $"LatentLab gradient {part}" };
            _threads[i].Start();
        }
    }

    /// <summary>How many parts <see cref="Run"/> runs: the helpers and the caller.</summary>
    public int Parts => _threads.Length + 1;

    void Loop(int part)
    {
        while (true)
        {
            _go[part - 1].Wait();
            if (_stopping) return;
            try { _work!(part); }
            finally { _done.Signal(); }
        }
    }

    /// <summary>Runs <paramref name="work"/>(0) here and (1..Parts-1) on the helpers; returns when all have returned.
    /// <paramref name="work"/> must not throw (GradientStep's parts keep their exceptions for the caller).</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = work;
        _done.Reset(_threads.Length);
        foreach (var go in _go) go.Release();
        try { work(0); }
        finally { _done.Wait(); _work = null; }
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        foreach (var go in _go) go.Release();
        foreach (var t in _threads) t.Join();
        foreach (var go in _go) go.Dispose();
        _done.Dispose();
    }
}
