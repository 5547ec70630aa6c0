namespace LatentLab.Tests.Probes;

/// <summary>An IProgress that runs its handler synchronously (Progress&lt;T&gt; posts to the thread pool) and keeps every report.</summary>
public sealed class SyncProgress<T>(Action<T>? onReport = null) : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}
