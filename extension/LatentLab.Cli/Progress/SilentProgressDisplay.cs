namespace LatentLab.Cli.Progress;

/// <summary><c>--progress none</c>: shows nothing.</summary>
public sealed class SilentProgressDisplay : ProgressDisplay
{
    /// <inheritdoc />
    protected override Task ShowWhileAsync(Task work) => work.ContinueWith(_ => { }, TaskScheduler.Default);
}
