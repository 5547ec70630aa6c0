namespace LatentLab.Cli.Progress;

/// <summary>An <see cref="IProgress{T}"/> that hands every report on at once, on the reporting thread (no synchronisation context).</summary>
public sealed class ProgressSink<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => report(value);
}
