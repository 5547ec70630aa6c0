using LatentLab.Imitation;
using LatentLab.Perturbation;
using LatentLab.Torch;

namespace LatentLab.Cli.Tests;

/// <summary>finetune-attack on a tiny student checkpoint, checked against the science call with the same options, and its bad inputs.</summary>
public sealed class FineTuneAttackCliTests
{
    static readonly TorchSharp.torch.Device Cpu = TorchRuntime.ResolveDevice("cpu");

    static async Task<string> StudentAsync(string folder)
    {
        var (code, _, error) = await CliHost.RunAsync("bandit-train", "--arms", "3", "--train-horizon", "12", "--hidden", "8", "--head-hidden", "8",
            "--steps", "20", "--batch", "16", "--seed", "3", "--threads", "1", "--device", "cpu", "--progress", "none", "--out-dir", folder);
        Assert.True(code == ExitCodes.Ok, error);
        return Path.Combine(folder, "student.ckpt");
    }

    static async Task<string> CotAsync(string folder)
    {
        var (code, _, error) = await CliHost.RunAsync("cot-synthetic", "--chain-length", "8", "--layers", "1", "--width", "16", "--heads", "2",
            "--steps", "150", "--batch", "32", "--questions", "60", "--seed", "1", "--device", "cpu", "--progress", "none", "--out-dir", folder);
        Assert.True(code == ExitCodes.Ok, error);
        return Path.Combine(folder, "model.ckpt");
    }

    [Fact]
    public async Task FineTuneAttack_OnAStudentCheckpoint_WritesWhatTheScienceGives()
    {
        var folder = CliHost.TempFolder();
        var student = await StudentAsync(folder);

        var (code, output, error) = await CliHost.RunAsync("finetune-attack", "--model", student, "--target", "first-arm", "--demonstrations", "4",
            "--max-steps", "4", "--seeds", "2", "--resamples", "100", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.True(code == ExitCodes.Ok, error);
        using var trained = TrainedStudent.Load(student, Cpu);
        using var subject = new StudentSubject("student", trained);
        var direct = FineTuneAttack.Run(subject, new FineTuneAttackOptions { Target = FineTuneTarget.FirstArm, Demonstrations = 4, MaxSteps = 4, Seeds = 2, Resamples = 100 });
        var (expected, actual) = CliHost.SameCsv(direct.ToDataFrame(), Path.Combine(folder, "finetune-attack.csv"));
        Assert.Equal(expected, actual);
        Assert.Contains("demonstrated", actual);
        Assert.Contains("Fine-tuning attack FirstArm", output);
    }

    [Fact]
    public async Task FineTuneAttack_OnACotSyntheticModel_ReadsTheCheckpointCotSyntheticWrote_AndWritesWhatTheScienceGives()
    {
        var folder = CliHost.TempFolder();
        var model = await CotAsync(folder);

        var (code, output, error) = await CliHost.RunAsync("finetune-attack", "--model", model, "--target", "shifted-letter", "--demonstrations", "4",
            "--max-steps", "4", "--seeds", "2", "--resamples", "100", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.True(code == ExitCodes.Ok, error);
        using var loaded = Models.CotCheckpoint.Load(model, Cpu);
        Assert.Equal((1, 16, 8), (loaded.Options.Layers, loaded.Options.Width, loaded.Options.ChainLength));
        using var subject = new CotSyntheticSubject("model", loaded);
        var direct = FineTuneAttack.Run(subject, new FineTuneAttackOptions { Target = FineTuneTarget.ShiftedLetter, Demonstrations = 4, MaxSteps = 4, Seeds = 2, Resamples = 100 });
        var (expected, actual) = CliHost.SameCsv(direct.ToDataFrame(), Path.Combine(folder, "finetune-attack.csv"));
        Assert.Equal(expected, actual);
        Assert.Contains("probe_accuracy_refit", actual);
        Assert.Contains("Fine-tuning attack ShiftedLetter", output);
        Assert.Equal(0.1 * loaded.Options.LearningRate, subject.DefaultLearningRate, 15);
        // The checkpoint holds the trained weights: on the recorded questions the loaded model gives cot-synthetic.csv's answers.
        var rows = (await File.ReadAllLinesAsync(Path.Combine(folder, "cot-synthetic.csv"))).Skip(1).Select(l => l.Split(',')).ToArray();
        var task = new Models.CotTask(loaded.Options);
        var (tokens, answers, _) = task.Sample(rows.Length, new Random(loaded.Options.Seed + 1_000_003));
        Assert.Equal(rows.Select(r => r[1]), answers.Select(a => a.ToString()));
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var noGrad = TorchSharp.torch.no_grad();
        var idx = TorchSharp.torch.tensor(tokens, [rows.Length, task.Tokens])[.., ..(task.Tokens - 1)];
        var letters = loaded.Model.forward(idx)[.., -1, task.Letter(0)..(task.Letter(0) + task.Choices)].argmax(-1).data<long>().ToArray();
        Assert.Equal(rows.Select(r => r[2]), letters.Select(k => k.ToString()));
    }

    [Theory]
    [InlineData("finetune-attack --model COT --target greedy", "does not apply to 'model', the cot-synthetic transformer: use first-letter or shifted-letter")]
    [InlineData("finetune-attack --model COT --training-seeds 2", "is the cot-synthetic transformer, one network")]
    [InlineData("finetune-attack --model STUDENT --target comply-in-deployment", "does not apply to 'student', a bandit student: use greedy or first-arm")]
    [InlineData("finetune-attack --model STUDENT --training-seeds 2", "is a bandit student, one network")]
    [InlineData("finetune-attack --model STUDENT --max-steps 1", "--max-steps")]
    [InlineData("finetune-attack --model TEXT", "--model TEXT is neither a policy checkpoint")]
    [InlineData("finetune-attack --seeds 2", "--model is required")]
    public async Task BadInput_Exits2_WithAMessageNamingTheOption(string line, string expected)
    {
        var folder = CliHost.TempFolder();
        var text = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(text, "not a checkpoint");
        var student = line.Contains("STUDENT") ? await StudentAsync(folder) : "";
        var cot = line.Contains("COT") ? await CotAsync(folder) : "";
        string Fill(string s) => s.Replace("STUDENT", student).Replace("COT", cot).Replace("TEXT", text);

        var (code, output, error) = await CliHost.RunAsync([.. line.Split(' ').Select(Fill), "--progress", "none", "--device", "cpu", "--out-dir", Path.Combine(folder, "out")]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(Fill(expected), error);
        Assert.Equal("", output);
        Assert.DoesNotContain(" at LatentLab", error);
        Assert.False(Directory.Exists(Path.Combine(folder, "out")));
    }

    [Fact]
    public async Task InterruptedBeforeItBegins_Exits130_AndWritesNothing()
    {
        var folder = CliHost.TempFolder();
        var student = await StudentAsync(folder);
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();

        var (code, _, error) = await CliHost.RunAsync(interrupt.Token, "finetune-attack", "--model", student, "--demonstrations", "4", "--max-steps", "4",
            "--seeds", "2", "--resamples", "100", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("interrupted before there was a result to keep; nothing was written", error);
        Assert.False(File.Exists(Path.Combine(folder, "finetune-attack.csv")));
    }
}
