namespace LatentLab.Cli;

/// <summary>What <c>latentlab</c> returns, for scripts and sweep runners: nothing else is ever returned.</summary>
public static class ExitCodes
{
    /// <summary>The run finished and its files are written.</summary>
    public const int Ok = 0;

    /// <summary>A bug in LatentLab (the message and stack trace are on stderr).</summary>
    public const int Bug = 1;

    /// <summary>Bad input: an option, a file or the setup; the message on stderr says what to change.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// <c>latentlab sweep</c> only: the sweep ran to its end but not every point is done (some failed, or Slurm ended them
    /// without a result); the failed points and their messages are on stderr, and points.csv / settings.csv hold every point,
    /// the done ones with their metrics. Running the same command again reruns only the points not done.
    /// </summary>
    public const int PointsFailed = 3;

    /// <summary>Interrupted (Ctrl-C / SIGINT, or SIGTERM); a partial result, where the command has one, is written.</summary>
    public const int Interrupted = 130;
}
