using LatentLab.Cli.Output;
using LatentLab.Imitation;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Reports;
using TorchSharp;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab perturb</c>: <see cref="PerturbationSweep.Compare(string, IReadOnlyList{IPerturbationSubject}, string?, IReadOnlyList{IPerturbationSubject}?, PerturbationOptions, IProgress{PerturbationProgress}?, CancellationToken)"/>
/// (every training seed of each model; with <c>--compare</c> the second on the same draws) with the knobs of <see cref="PerturbationOptions"/>, the record of <c>#!perturb</c>, on checkpoint files
/// (a policy or a bandit student, told apart by the file's header); writes every curve as CSV. An interrupt keeps the
/// noise scales done so far.
/// </summary>
public static class PerturbCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "perturb",
        description: "Adds relative Gaussian noise (s * RMS of each tensor, or of each layer's output) on a log grid of s, many noise seeds as one " +
                     "batch, to a policy or student checkpoint: every metric against s with 95% CIs, s50 (halfway to chance) with bootstrap CIs and " +
                     "the specificity ratio; --compare perturbs a second checkpoint with the same draws. Writes perturb.csv (one row per model, " +
                     "noise scale and metric: mean, 95% CI, clean value, chance).",
        example: "latentlab perturb --model runs/rl/reference.policy --compare runs/rl/policy.policy --training-seeds 1 --noise-min 0.001 --noise-max 3 --points 24 --seeds 64 --out-dir runs/rl",
        options: typeof(PerturbationOptions),
        inputs: [typeof(PerturbFiles)],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<PerturbationOptions>();
        var files = run.Get<PerturbFiles>();
        var device = run.Device;
        using var first = Subjects("--model", files.Model!, options, device);
        using var second = files.Compare is { Length: > 0 } c ? Subjects("--compare", c, options, device) : null;
        if (second is not null) PerturbationSweep.CheckPaired(first.Name, first.Subjects, second.Name, second.Subjects);   // before any progress
        var progress = run.Progress.For<PerturbationProgress>(p => p.ToRunProgress());
        var curves = await run.Progress.RunAsync(() =>
            PerturbationSweep.Compare(first.Name, first.Subjects, second?.Name, second?.Subjects, options, progress, run.CancellationToken));
        var csv = ResultFiles.WriteCsv(PerturbationCurve.ToDataFrame(curves), run.OutPath("perturb.csv"));
        return new CliResult([csv], string.Join(Environment.NewLine, curves.Select(c => c.ToString())), curves.Any(c => c.IsPartial))
        {
            // For a sweep's table: s50 of every metric of every compared model (NaN where the metric never fell halfway).
            Metrics = [.. curves.SelectMany((c, i) => c.Metrics.Select(m => new KeyValuePair<string, double>(
                (curves.Count > 1 ? $"model{i}_" : "") + $"s50_{m}", c.Halfway(m).Value)))],
        };
    }

    /// <summary>
    /// The subjects a checkpoint file holds, by its header: one per training seed of a policy (<c>--training-seeds</c>, as in
    /// <c>#!perturb</c>), or the bandit student.
    /// </summary>
    static Loaded Subjects(string option, string path, PerturbationOptions options, torch.Device device)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{option} {path} is a directory; give a checkpoint file (a .policy or a student .ckpt).");
        if (!File.Exists(path)) throw new FileNotFoundException($"{option} {path}: no such file. Give a checkpoint written by rl-bake, rl-train or bandit-train.", path);
        var name = Path.GetFileNameWithoutExtension(path);
        if (PolicyCheckpoint.IsPolicyFile(path))
            return new Loaded(name, PolicySubject.ForTrainingSeeds(name, PolicyCheckpoint.Load(path, device).Policy, options.TrainingSeeds), null);
        if (StudentCheckpoint.IsStudentFile(path))
        {
            var student = TrainedStudent.Load(path, device);
            try
            {
                return new Loaded(name, [new StudentSubject(name, student)], student);
            }
            catch
            {
                student.Dispose();
                throw;
            }
        }
        throw new InvalidDataException($"{option} {path} is neither a policy checkpoint (rl-bake, rl-train) nor a student checkpoint (bandit-train): " +
                                       "its header is neither LATENTLAB-RL-POLICY nor LATENTLAB-BANDIT-STUDENT. Give one of those files.");
    }

    /// <summary>The subjects made from a file, with what they were made from (all disposed here: nothing else holds them).</summary>
    sealed class Loaded(string name, IReadOnlyList<IPerturbationSubject> subjects, IDisposable? source) : IDisposable
    {
        public string Name { get; } = name;
        public IReadOnlyList<IPerturbationSubject> Subjects { get; } = subjects;

        public void Dispose()
        {
            foreach (var s in Subjects) (s as IDisposable)?.Dispose();
            source?.Dispose();
        }
    }
}
