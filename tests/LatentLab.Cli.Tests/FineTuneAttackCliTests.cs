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

    [Theory]
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
        string Fill(string s) => s.Replace("STUDENT", student).Replace("TEXT", text);

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
