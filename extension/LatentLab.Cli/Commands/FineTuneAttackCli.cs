using LatentLab.Cli.Output;
using LatentLab.Perturbation;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab finetune-attack</c>: <see cref="FineTuneAttack.Compare"/> (every training seed of each model; with
/// <c>--compare</c> the second on the same demonstrations) with the knobs of <see cref="FineTuneAttackOptions"/>, the record of
/// <c>#!finetune-attack</c>, on checkpoint files (a policy or a bandit student, told apart by the file's header); writes both
/// curves of every model as CSV. An interrupt keeps the step counts done so far.
/// </summary>
public static class FineTuneAttackCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "finetune-attack",
        description: "Fine-tunes copies of a policy, student or cot-synthetic checkpoint for k = 1, 2, 4, ... Adam steps on n demonstrations of a target " +
                     "behaviour (a policy: comply-in-deployment, refuse-in-training; a student: greedy, first-arm; the transformer: first-letter, shifted-letter) " +
                     "and, as the control, on benign ones (a policy: benign requests; a student: UCB1; the transformer: copying filler strings): every metric against k with 95% CIs and k50 (steps until the target metric is halfway to the " +
                     "demonstrated behaviour's value) with bootstrap CIs; --compare attacks a second checkpoint with the same demonstrations. Writes " +
                     "finetune-attack.csv (one row per model, run, step count and metric).",
        example: "latentlab finetune-attack --model runs/k5/student.ckpt --target greedy --demonstrations 16 --max-steps 64 --seeds 8 --out-dir runs/k5",
        options: typeof(FineTuneAttackOptions),
        inputs: [typeof(FineTuneAttackFiles)],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<FineTuneAttackOptions>();
        var files = run.Get<FineTuneAttackFiles>();
        using var first = CheckpointSubjects.Load("--model", files.Model!, options.TrainingSeeds, run.Device);
        using var second = files.Compare is { Length: > 0 } c ? CheckpointSubjects.Load("--compare", c, options.TrainingSeeds, run.Device) : null;
        var firstSubjects = FineTuneAttack.Subjects($"--model {files.Model}", first.Subjects);
        var secondSubjects = second is null ? null : FineTuneAttack.Subjects($"--compare {files.Compare}", second.Subjects);
        FineTuneAttack.Check(first.Name, firstSubjects, second?.Name, secondSubjects, options);            // before any progress
        var progress = run.Progress.For<FineTuneAttackProgress>(p => p.ToRunProgress());
        var results = await run.Progress.RunAsync(() =>
            FineTuneAttack.Compare(first.Name, firstSubjects, second?.Name, secondSubjects, options, progress, run.CancellationToken));
        var csv = run.Save("finetune-attack.csv", path => ResultFiles.WriteCsv(FineTuneAttackResult.ToDataFrame(results), path));
        return new CliResult([csv], string.Join(Environment.NewLine, results.Select(r => r.ToString())),
            results.Any(r => r.Attack.IsPartial || r.Control.IsPartial))
        {
            // For a sweep's table: k50 of the target metric under the attack and the control, per model (NaN where never halfway).
            Metrics = [.. results.SelectMany((r, i) => new[]
            {
                new KeyValuePair<string, double>((results.Count > 1 ? $"model{i}_" : "") + "k50_attack", r.AttackK50.Value),
                new KeyValuePair<string, double>((results.Count > 1 ? $"model{i}_" : "") + "k50_control", r.ControlK50.Value),
            })],
        };
    }
}
