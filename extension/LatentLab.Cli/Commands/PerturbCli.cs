using System.Text;
using LatentLab.Cli.Output;
using LatentLab.Imitation;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Reports;
using TorchSharp;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab perturb</c>: <see cref="PerturbationSweep.Run"/> (or <see cref="PerturbationSweep.Compare"/> with
/// <c>--compare</c>) with the knobs of <see cref="PerturbationOptions"/>, the record of <c>#!perturb</c>, on checkpoint files
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
        example: "latentlab perturb --model runs/rl/reference.policy --compare runs/rl/policy.policy --noise-min 0.001 --noise-max 3 --points 24 --seeds 64 --out-dir runs/rl",
        options: typeof(PerturbationOptions),
        inputs: [typeof(PerturbFiles)],
        run: RunAsync);

    static readonly byte[] PolicyHeader = Encoding.ASCII.GetBytes("LATENTLAB-RL-POLICY\n");
    static readonly byte[] StudentHeader = Encoding.ASCII.GetBytes("LATENTLAB-BANDIT-STUDENT\n");

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<PerturbationOptions>();
        var files = run.Get<PerturbFiles>();
        var device = run.Device;
        using var first = Subject("--model", files.Model!, device);
        using var second = files.Compare is { Length: > 0 } c ? Subject("--compare", c, device) : null;
        if (second is not null) PerturbationSweep.CheckSameShape(first.Subject, second.Subject);
        var progress = run.Progress.For<PerturbationProgress>(p => p.ToRunProgress());
        var curves = await run.Progress.RunAsync(() => second is null
            ? [PerturbationSweep.Run(first.Subject, options, progress, run.CancellationToken)]
            : PerturbationSweep.Compare(first.Subject, second.Subject, options, progress, run.CancellationToken));
        var csv = ResultFiles.WriteCsv(PerturbationCurve.ToDataFrame(curves), run.OutPath("perturb.csv"));
        return new CliResult([csv], string.Join(Environment.NewLine, curves.Select(c => c.ToString())), curves.Any(c => c.IsPartial))
        {
            // For a sweep's table: s50 of every metric of every compared model (NaN where the metric never fell halfway).
            Metrics = [.. curves.SelectMany((c, i) => c.Metrics.Select(m => new KeyValuePair<string, double>(
                (curves.Count > 1 ? $"model{i}_" : "") + $"s50_{m}", c.Halfway(m).Value)))],
        };
    }

    /// <summary>The subject a checkpoint file holds, by its header: a policy (all its seeds) or a bandit student.</summary>
    static Loaded Subject(string option, string path, torch.Device device)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{option} {path} is a directory; give a checkpoint file (a .policy or a student .ckpt).");
        if (!File.Exists(path)) throw new FileNotFoundException($"{option} {path}: no such file. Give a checkpoint written by rl-bake, rl-train or bandit-train.", path);
        var head = new byte[Math.Max(PolicyHeader.Length, StudentHeader.Length)];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var name = Path.GetFileNameWithoutExtension(path);
        if (read >= PolicyHeader.Length && head.AsSpan(0, PolicyHeader.Length).SequenceEqual(PolicyHeader))
            return new Loaded(new PolicySubject(name, PolicyCheckpoint.Load(path, device).Policy), null);
        if (read >= StudentHeader.Length && head.AsSpan(0, StudentHeader.Length).SequenceEqual(StudentHeader))
        {
            var student = TrainedStudent.Load(path, device);
            try
            {
                return new Loaded(new StudentSubject(name, student), student);
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

    /// <summary>A subject made from a file, with what it was made from (both disposed here: nothing else holds them).</summary>
    sealed class Loaded(IPerturbationSubject subject, IDisposable? source) : IDisposable
    {
        public IPerturbationSubject Subject { get; } = subject;

        public void Dispose()
        {
            (Subject as IDisposable)?.Dispose();
            source?.Dispose();
        }
    }
}
