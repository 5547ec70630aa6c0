using LatentLab.Activations;
using LatentLab.Imitation;
using LatentLab.Torch;

namespace LatentLab.Cli.Tests;

public sealed class RunTests
{
    static readonly string[] TinyStudent = ["--arms", "3", "--train-horizon", "10", "--steps", "6", "--batch", "16", "--hidden", "8", "--head-hidden", "0",
        "--seed", "3", "--device", "cpu", "--progress", "none"];

    [Fact]
    public async Task BanditTrain_ThenEval_WriteTheCheckpointAndCsvFiles()
    {
        var folder = CliHost.TempFolder();

        var (code, output, error) = await CliHost.RunAsync(["bandit-train", .. TinyStudent, "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        var checkpoint = Path.Combine(folder, "student.ckpt");
        Assert.Contains(checkpoint, output);
        using (var student = TrainedStudent.Load(checkpoint, TorchRuntime.ResolveDevice("cpu")))
        {
            Assert.False(student.IsPartial);
            Assert.Equal(6, student.StepsCompleted);
            Assert.Equal(3, student.Arms);
            var history = await File.ReadAllLinesAsync(Path.Combine(folder, "student-history.csv"));
            Assert.Equal("step,loss,agreement,teacher_share,env_steps_per_second,elapsed_seconds", history[0]);
            // One row per progress report of the run (a loaded checkpoint keeps only the last), ending at the last step.
            Assert.InRange(history.Length, 3, 7);
            Assert.Equal("6", history[^1].Split(',')[0]);
            Assert.Equal(student.Final!.Loss, double.Parse(history[^1].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture), 6);
        }

        (code, output, error) = await CliHost.RunAsync("bandit-eval", "--load", checkpoint, "--horizon", "12", "--episodes", "20",
            "--baselines", "greedy,ucb1", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.True(code == ExitCodes.Ok, error);
        var curves = await File.ReadAllLinesAsync(Path.Combine(folder, "evaluation.csv"));
        Assert.Equal("policy,step,regret,regret_ci_low,regret_ci_high", curves[0]);
        Assert.Equal(3 * 12 + 1, curves.Length);                  // student, greedy, ucb1 x 12 steps
        var summary = await File.ReadAllLinesAsync(Path.Combine(folder, "evaluation-summary.csv"));
        Assert.Equal(4, summary.Length);
        Assert.Contains("Evaluated 3 policies on 20 episodes", output);
    }

    [Fact]
    public async Task OptionsFile_IsApplied_AndFlagsOnTheLineWin()
    {
        var folder = CliHost.TempFolder();
        var file = Path.Combine(folder, "options.json");
        await File.WriteAllTextAsync(file, """{"arms": 4, "TrainHorizon": 8, "steps": 9, "batch": 8, "hidden": 4, "head-hidden": 0, "dagger": false}""");

        var (code, _, error) = await CliHost.RunAsync("bandit-train", "--options", file, "--steps", "2", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.True(code == ExitCodes.Ok, error);
        using var student = TrainedStudent.Load(Path.Combine(folder, "student.ckpt"), TorchRuntime.ResolveDevice("cpu"));
        Assert.Equal(4, student.Options.Arms);
        Assert.Equal(8, student.Options.TrainHorizon);
        Assert.False(student.Options.Dagger);
        Assert.Equal(2, student.Options.Steps);                   // the line over the file
        Assert.Equal(2, student.StepsCompleted);
    }

    [Fact]
    public async Task CotSynthetic_ThenProbeSweep_WriteFilesTheNextCommandReads()
    {
        var folder = CliHost.TempFolder();

        var (code, output, error) = await CliHost.RunAsync("cot-synthetic", "--chain-length", "8", "--layers", "1", "--width", "16", "--heads", "2",
            "--steps", "150", "--batch", "32", "--questions", "60", "--seed", "1", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.True(code == ExitCodes.Ok, error);
        var acts = Path.Combine(folder, "acts.safetensors");
        var questions = await File.ReadAllLinesAsync(Path.Combine(folder, "cot-synthetic.csv"));
        Assert.Equal("question,true_answer,model_answer,decision_position", questions[0]);
        Assert.Equal(61, questions.Length);
        using (var set = ActivationSet.Load(acts, baseline: Path.Combine(folder, "baseline.npy")))
        {
            Assert.Equal((60, 2, 10, 16), (set.Count, set.Layers, set.Positions, set.Dim));
            // The labels in the file are the model's answers written in cot-synthetic.csv.
            Assert.Equal(questions.Skip(1).Select(l => l.Split(',')[2]), set.Labels.Select(k => set.ClassNames[k]));
            Assert.NotNull(set.BaselineScores);
        }
        Assert.Contains("answer accuracy", output);

        (code, output, error) = await CliHost.RunAsync("probe-sweep", "--activations", acts, "--baseline", Path.Combine(folder, "baseline.npy"),
            "--folds", "2", "--no-control", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.True(code == ExitCodes.Ok, error);
        var cells = await File.ReadAllLinesAsync(Path.Combine(folder, "probe-sweep.csv"));
        Assert.StartsWith("layer,position,accuracy,", cells[0]);
        Assert.Equal(2 * 10 + 1, cells.Length);
        Assert.Contains("ProbeSweepResult: 20 cells", output);
    }
}
