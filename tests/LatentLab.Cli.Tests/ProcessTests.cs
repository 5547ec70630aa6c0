using System.Diagnostics;
using System.Runtime.InteropServices;
using LatentLab.Imitation;
using LatentLab.Torch;

namespace LatentLab.Cli.Tests;

/// <summary><c>latentlab</c> as its own process: real signals and real exit codes.</summary>
public sealed partial class ProcessTests
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    const int SigInt = 2;

    static Process Start(params string[] args)
    {
        var tool = Path.Combine(AppContext.BaseDirectory, "LatentLab.Cli.dll");
        Assert.True(File.Exists(tool), $"{tool} is missing");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(tool);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Whether SIGINT is ignored in this process (bit 1 of /proc/self/status's SigIgn mask); a child started from here inherits it.</summary>
    static bool SigIntIgnoredHere()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }

    [Fact]
    public async Task CtrlC_StopsTraining_WritesThePartialStudent_AndExits130()
    {
        Assert.False(SigIntIgnoredHere(), "SIGINT is ignored in this test process (started in the background without job control?), " +
            "so the tool would inherit that and never see it; run the tests through tests/run-all.sh, which restores SIGINT's default.");
        var folder = CliHost.TempFolder();
        using var process = Start("bandit-train", "--steps", "1000000", "--batch", "16", "--hidden", "8", "--device", "cpu", "--progress", "plain",
            "--out-dir", folder);
        var errors = new List<string>();
        var firstProgress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (errors) errors.Add(e.Data);
            if (e.Data.StartsWith("Training the student:", StringComparison.Ordinal)) firstProgress.TrySetResult();
        };
        process.BeginErrorReadLine();
        var output = process.StandardOutput.ReadToEndAsync();

        try
        {
            await firstProgress.Task.WaitAsync(TimeSpan.FromSeconds(60));   // plain progress: a line every 5 s
            Assert.Equal(0, Kill(process.Id, SigInt));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);   // a 1,000,000-step run must not outlive a failed test
        }

        Assert.Equal(ExitCodes.Interrupted, process.ExitCode);
        string stderr;
        lock (errors) stderr = string.Join("\n", errors);
        Assert.Contains("the files above hold the partial result", stderr);
        Assert.Contains("student.ckpt", await output);
        using var student = TrainedStudent.Load(Path.Combine(folder, "student.ckpt"), TorchRuntime.ResolveDevice("cpu"));
        Assert.True(student.IsPartial);
        Assert.InRange(student.StepsCompleted, 1, 999_999);
        Assert.True(File.Exists(Path.Combine(folder, "student-history.csv")));
    }

    [Fact]
    public async Task BadValue_AsAProcess_Exits2_WithTheMessageOnStderrOnly()
    {
        using var process = Start("probe-sweep", "--activations", "x.npy", "--folds", "1");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ExitCodes.BadInput, process.ExitCode);
        Assert.Equal("", await stdout);
        Assert.Contains("--folds must be from 2 to 1000 (got 1).", await stderr);
        Assert.DoesNotContain("   at ", await stderr);
    }
}
