namespace LatentLab.Torch;

/// <summary>
/// A fixed set of threads for work split into parts that each run torch single-threaded: one training run's split gradient
/// step (<see cref="Imitation.BanditTrainer"/>.GradientStep) and a probe sweep's independent column blocks
/// (<see cref="Probes.ProbeSweep"/>). Made once per run and reused, where a new thread per step made the process fault in a
/// fresh stack and thread state each time. Each thread runs <c>startThread</c> once when it starts (the callers pass
/// torch.set_num_threads(1): the parts are the parallelism, and the caller's own torch thread count is never touched).
/// <see cref="Run"/> runs part i on thread i and returns when every part has ended; which thread runs which part is fixed,
/// so results never depend on timing. Not for concurrent use: one run, one pool.
/// </summary>
internal sealed class PartWorkers : IDisposable
{
    readonly Thread[] _threads;
    readonly SemaphoreSlim[] _go;
    readonly CountdownEvent _done;
    readonly Exception?[] _errors;
    Action<int>? _work;
    volatile bool _stopping;

    /// <param name="parts">How many threads, one per part of a step (the run's thread count).</param>
    /// <param name="startThread">Runs once on each new thread before its first part (GradientStep: torch.set_num_threads(1)).</param>
    public PartWorkers(int parts, Action? startThread = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        _threads = new Thread[parts];
        _go = new SemaphoreSlim[parts];
        _done = new CountdownEvent(parts);
        _errors = new Exception?[parts];
        for (int i = 0; i < parts; i++)
        {
            int part = i;
            _go[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(part, startThread), 16 << 20) { IsBackground = true, Name = $"LatentLab gradient {part}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads that each run torch single-threaded (torch.set_num_threads(1) once per thread).</summary>
    public static PartWorkers SingleThreadedTorch(int parts) => new(parts, () => TorchSharp.torch.set_num_threads(1));

    /// <summary>How many parts <see cref="Run"/> runs, one per thread.</summary>
    public int Parts => _threads.Length;

    void Loop(int part, Action? startThread)
    {
        Exception? startError = null;
        try { startThread?.Invoke(); }
        catch (Exception ex) { startError = ex; }
        while (true)
        {
            _go[part].Wait();
            if (_stopping) return;
            try
            {
                if (startError is not null)
                    throw new InvalidOperationException($"Gradient thread {part} failed to start: {startError.Message}", startError);
                _work!(part);
            }
            catch (Exception ex) { _errors[part] = ex; }
            finally { _done.Signal(); }
        }
    }

    /// <summary>Runs <paramref name="work"/>(i) on thread i for every part and returns when all have returned; the first
    /// exception a part threw (in part order) is rethrown here, after every part has ended.</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = work;
        Array.Clear(_errors);
        _done.Reset(_threads.Length);
        foreach (var go in _go) go.Release();
        _done.Wait();
        _work = null;
        if (_errors.FirstOrDefault(e => e is not null) is { } error) throw new AggregateException(error);
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
