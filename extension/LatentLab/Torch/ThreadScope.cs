using TorchSharp;

namespace LatentLab.Torch;

/// <summary>
/// One run's hold on torch's thread count (see <see cref="TorchRuntime.UseThreads"/>): while it is alive no other
/// LatentLab run in the process can change the count, and disposing it restores the count it found. Dispose it on the
/// thread that created it (the count is partly per thread in libtorch's OpenMP build, and the lock is a monitor).
/// </summary>
public sealed class ThreadScope : IDisposable
{
    /// <summary>Held by every run for its whole length: process-wide, re-entrant on the same thread (a trainer may call the evaluator).</summary>
    static readonly object Gate = new();

    readonly int _owner = Environment.CurrentManagedThreadId;
    readonly int _before;
    readonly bool _changed;
    bool _disposed;

    /// <summary>The count torch uses inside this scope.</summary>
    public int Threads { get; }

    internal ThreadScope(int threads, CancellationToken cancellationToken)
    {
        // Wait for the run that holds the count, but stay interruptible (a notebook's interrupt fires the token). An
        // uncontended scope never throws for a cancelled token: the run itself decides what cancelling means.
        while (!Monitor.TryEnter(Gate, TimeSpan.FromMilliseconds(100)))
            cancellationToken.ThrowIfCancellationRequested();
        try
        {
            _before = torch.get_num_threads();
            _changed = threads > 0;   // set even when equal: MKL's count is global, this thread's OpenMP count its own
            if (_changed) torch.set_num_threads(threads);
            Threads = torch.get_num_threads();
        }
        catch
        {
            Monitor.Exit(Gate);
            throw;
        }
    }

    /// <summary>Restores the previous count and lets the next run in.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _owner)
            throw new InvalidOperationException(
                $"A torch thread scope was disposed on thread {Environment.CurrentManagedThreadId} but created on thread {_owner}: " +
                "keep TorchRuntime.UseThreads around synchronous code (no await inside the using block).");
        _disposed = true;
        try
        {
            if (_changed) torch.set_num_threads(_before);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }
}
