using LatentLab.Options;

namespace LatentLab.Sweeps;

/// <summary>Where a sweep's points run.</summary>
public enum SweepBackend
{
    /// <summary>A pool of worker processes on this machine.</summary>
    Local,

    /// <summary>A Slurm job array (sbatch), one array task per point.</summary>
    Slurm,
}

/// <summary>
/// A sweep: one <c>latentlab</c> command, a grid over some of its options, a list of seeds, and where to run the points.
/// The knobs of <c>#!sweep</c> and <c>latentlab sweep</c> (both read this record).
/// </summary>
public sealed record SweepOptions : IKnobRules
{
    /// <summary>The command every point runs.</summary>
    [Knob("--command", "The latentlab command every point runs, e.g. bandit-train (latentlab --help lists them).", Required = true, TypeHint = "name")]
    public string Command { get; init; } = "";

    /// <summary>The grid: options and their values.</summary>
    [Knob("--grid", "The grid: options of the command and their values, e.g. \"lr=0.003,0.01; hidden=32,64\" (every combination is a setting).",
        TypeHint = "text")]
    public string Grid { get; init; } = "";

    /// <summary>Options given to every point.</summary>
    [Knob("--fixed", "Options given to every point, same form as --grid with one value each, e.g. \"steps=300; arms=5\".", TypeHint = "text")]
    public string Fixed { get; init; } = "";

    /// <summary>The seeds each setting runs with.</summary>
    [Knob("--seeds", "Seeds each setting runs with (the command's --seed): a range 0-15, a list 0,3,5, or both 0-3,10.", TypeHint = "list")]
    public string Seeds { get; init; } = "0";

    /// <summary>Local worker pool or Slurm job array.</summary>
    [Knob("--on", "Where the points run: local (a pool of worker processes) or slurm (a job array submitted with sbatch).")]
    public SweepBackend On { get; init; } = SweepBackend.Local;

    /// <summary>Local worker processes (0: one per core).</summary>
    [Knob("--workers", "Points run at once: local worker processes (0: one per core); on Slurm the array's %limit (0: no limit).", Min = 0, Max = 4096)]
    public int Workers { get; init; }

    /// <summary>Torch threads of every point.</summary>
    [Knob("--threads-per-point", "Torch threads of every point (passed as the command's --threads and OMP_NUM_THREADS); results depend on it.", Min = 1, Max = 256)]
    public int ThreadsPerPoint { get; init; } = 1;

    /// <summary>The sweep's folder.</summary>
    [Knob("--folder", "The sweep's folder (on Slurm: a folder every node sees). Running the same sweep again resumes it; a folder holding another sweep is refused.",
        Required = true, TypeHint = "path")]
    public string Folder { get; init; } = "";

    /// <summary>How to start latentlab.</summary>
    [Knob("--tool", "How points start latentlab: a path to the latentlab executable or to LatentLab.Cli.dll, or a command on PATH.", TypeHint = "path",
        DefaultText = "$LATENTLAB_TOOL, else the running latentlab, else latentlab on PATH, else dotnet tool run latentlab")]
    public string? Tool { get; init; }

    /// <summary>Slurm partition.</summary>
    [Knob("--partition", "Slurm: the partition (#SBATCH --partition); default: the cluster's default partition.", TypeHint = "name")]
    public string? Partition { get; init; }

    /// <summary>Slurm time limit of one point.</summary>
    [Knob("--time", "Slurm: time limit of one point (#SBATCH --time), e.g. 00:30:00 or 2-00:00:00.", TypeHint = "time")]
    public string Time { get; init; } = "01:00:00";

    /// <summary>Slurm CPUs per point.</summary>
    [Knob("--cpus-per-task", "Slurm: CPUs of one point (#SBATCH --cpus-per-task; 0: --threads-per-point).", Min = 0, Max = 4096)]
    public int CpusPerTask { get; init; }

    /// <summary>Slurm memory per point.</summary>
    [Knob("--mem", "Slurm: memory of one point (#SBATCH --mem), e.g. 2G; default: the cluster's default.", TypeHint = "size")]
    public string? Mem { get; init; }

    /// <summary>Slurm generic resources (GPUs).</summary>
    [Knob("--gres", "Slurm: generic resources of one point (#SBATCH --gres), e.g. gpu:1 (then pass --fixed \"device=cuda\").", TypeHint = "text")]
    public string? Gres { get; init; }

    /// <summary>More #SBATCH lines.</summary>
    [Knob("--sbatch", "Slurm: more sbatch options, separated by ';', each written as an #SBATCH line, e.g. \"--account=lab; --qos=short\".", TypeHint = "text")]
    public string? Sbatch { get; init; }

    /// <summary>Seconds between two looks at squeue.</summary>
    [Knob("--poll-seconds", "Slurm: seconds between two looks at squeue and the folder.", Min = 0.1, Max = 600)]
    public double PollSeconds { get; init; } = 2;

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (On == SweepBackend.Local && (Partition is not null || Mem is not null || Gres is not null || Sbatch is not null))
            yield return "{Partition}, {Mem}, {Gres} and {Sbatch} are Slurm settings; add --on slurm or leave them out.";
    }
}
