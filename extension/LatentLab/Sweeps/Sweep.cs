namespace LatentLab.Sweeps;

/// <summary>
/// A sweep from start to merged table: plans it over the console tool's commands (<see cref="SweepPlan.Create"/>), opens or
/// resumes its folder, and runs the points not yet done on the chosen backend.
/// </summary>
public static class Sweep
{
    /// <summary>Plans <paramref name="options"/>, opens its folder (resuming it when it holds this sweep), and runs the pending points.</summary>
    public static Task<SweepOutcome> RunAsync(SweepOptions options, IReadOnlyList<SweepableCommand> commands, SweepTool tool,
        IProgress<SweepRunProgress>? progress, CancellationToken cancellationToken)
    {
        var plan = SweepPlan.Create(options, commands);
        var folder = SweepFolder.Open(options.Folder, plan);
        return options.On == SweepBackend.Slurm
            ? SlurmSweepRunner.RunAsync(folder, tool, progress, cancellationToken)
            : LocalSweepRunner.RunAsync(folder, tool, options.Workers, progress, cancellationToken);
    }
}
