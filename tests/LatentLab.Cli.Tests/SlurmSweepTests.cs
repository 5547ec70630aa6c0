using System.Diagnostics;
using LatentLab.Sweeps;

namespace LatentLab.Cli.Tests;

/// <summary>
/// A test that needs the one-node Slurm cluster of tests/install-slurm.sh (run-all.sh and .ci/run start it). Skipped only when
/// LATENTLAB_SLURM=unavailable; otherwise a missing cluster fails the test with a message saying how to start it.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("LATENTLAB_SLURM"), "unavailable", StringComparison.OrdinalIgnoreCase))
            Skip = "LATENTLAB_SLURM=unavailable: no Slurm cluster here (bash tests/install-slurm.sh starts a one-node one).";
    }
}

/// <summary>The Slurm runner against a real one-node cluster: the same table as the local runner, scancel and resume, a failing point.</summary>
public sealed class SlurmSweepTests
{
    static SlurmSweepTests()
    {
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is null && File.Exists("/tmp/latentlab-slurm/slurm.conf"))
            Environment.SetEnvironmentVariable("SLURM_CONF", "/tmp/latentlab-slurm/slurm.conf");
    }

    static async Task RequireSlurm()
    {
        var (code, output, error) = await SlurmSweepRunner.RunAsync("sinfo", ["-h", "-o", "%t"], Path.GetTempPath(), CancellationToken.None);
        Assert.True(code == 0 && output.Split('\n').Any(s => s.Trim() is "idle" or "mix" or "alloc"),
            $"No Slurm cluster answers here (sinfo: exit {code}, '{output.Trim()}' {error.Trim()}). Start the one-node cluster with `bash tests/install-slurm.sh` " +
            "(and export the SLURM_CONF it prints), or set LATENTLAB_SLURM=unavailable to skip the Slurm tests.");
    }

    [SlurmFact]
    public async Task SlurmSweep_MergesToTheSameTableAsTheLocalRunner_BitForBit()
    {
        await RequireSlurm();
        var local = await SweepFixture.RunAsync(SweepFixture.Small(CliHost.TempFolder()));
        var slurm = await SweepFixture.RunAsync(SweepFixture.Small(CliHost.TempFolder(), SweepBackend.Slurm));
        Assert.Equal(4, local.Done);
        Assert.Equal(4, slurm.Done);
        Assert.Equal(SweepFixture.PointsCsv(local), SweepFixture.PointsCsv(slurm));
        Assert.True(File.Exists(Path.Combine(slurm.Folder.Path, "slurm", "sweep-1.sbatch")));
    }

    [SlurmFact]
    public async Task PointKilledWithScancel_IsResubmittedAlone_AndAnInterruptScancelsTheJob()
    {
        await RequireSlurm();
        var folder = CliHost.TempFolder();
        // Point 0 trains long enough to be caught running; point 1 is quick.
        var options = SweepFixture.Small(folder, SweepBackend.Slurm) with { Grid = "steps=100000,10", Seeds = "0", Fixed = "train-horizon=10; batch=16; hidden=8; device=cpu" };
        string? job = null;
        var seen = new TaskCompletionSource<string>();
        var progress = new Progress<SweepRunProgress>(p => { if (p.JobId is { } id) seen.TrySetResult(id); });
        var run = SweepFixture.RunAsync(options, default, progress);
        job = await seen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await WaitUntil(async () => (await Squeue(job)).Contains($"{job}_0|RUNNING"), TimeSpan.FromSeconds(120));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var cancel = await SlurmSweepRunner.RunAsync("scancel", [$"{job}_0"], folder, CancellationToken.None);
        Assert.True(cancel.Code == 0, cancel.Error);
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(180));
        var killed = outcome.Points[0];
        Assert.NotEqual(PointState.Done, killed.State);
        Assert.Equal(PointState.Done, outcome.Points[1].State);

        // The resume submits only the killed point (as a shorter run it would be another sweep: same arguments, so it runs 100000
        // steps again; cancel that one from the runner's own interrupt once it is seen running, then finish with its arguments unchanged).
        using var cts = new CancellationTokenSource();
        var resumedJob = new TaskCompletionSource<string>();
        var resume = SweepFixture.RunAsync(options, cts.Token, new Progress<SweepRunProgress>(p => { if (p.JobId is { } id) resumedJob.TrySetResult(id); }));
        var second = await resumedJob.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(job, second);
        var script = File.ReadAllText(Path.Combine(folder, "slurm", "sweep-2.sbatch"));
        Assert.Contains("#SBATCH --array=0%2\n", script);   // only the killed point
        Assert.DoesNotContain("  1) ", script);
        await WaitUntil(async () => (await Squeue(second)).Contains("RUNNING"), TimeSpan.FromSeconds(120));
        cts.Cancel();
        var interrupted = await resume.WaitAsync(TimeSpan.FromSeconds(180));
        Assert.True(interrupted.Interrupted);
        Assert.Equal(1, interrupted.Skipped);
        Assert.Equal("", (await Squeue(second)).Trim());
    }

    [SlurmFact]
    public async Task ResumeAfterScancel_FinishesTheSweep_WithTheLocalRunnersNumbers()
    {
        await RequireSlurm();
        var folder = CliHost.TempFolder();
        var options = SweepFixture.Small(folder, SweepBackend.Slurm);
        var seen = new TaskCompletionSource<string>();
        var run = SweepFixture.RunAsync(options, default, new Progress<SweepRunProgress>(p => { if (p.JobId is { } id) seen.TrySetResult(id); }));
        var job = await seen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        // Cancel two of the four points before or while they run.
        var cancel = await SlurmSweepRunner.RunAsync("scancel", [$"{job}_1", $"{job}_3"], folder, CancellationToken.None);
        Assert.True(cancel.Code == 0, cancel.Error);
        var first = await run.WaitAsync(TimeSpan.FromSeconds(180));
        Assert.True(first.Done < 4, "scancel should have stopped at least one point");
        var resumed = await SweepFixture.RunAsync(options);
        Assert.Equal(first.Done, resumed.Skipped);
        Assert.Equal(4, resumed.Done);
        var local = await SweepFixture.RunAsync(SweepFixture.Small(CliHost.TempFolder()));
        Assert.Equal(SweepFixture.PointsCsv(local), SweepFixture.PointsCsv(resumed));
    }

    [SlurmFact]
    public async Task FailingPoint_OnSlurm_IsReportedWithItsExitCodeAndMessage()
    {
        await RequireSlurm();
        var outcome = await SweepFixture.RunAsync(SweepFixture.Failing(CliHost.TempFolder(), SweepBackend.Slurm));
        Assert.Equal(1, outcome.Done);
        var failed = Assert.Single(outcome.Points, p => p.State == PointState.Failed);
        Assert.Equal(2, failed.ExitCode);
        Assert.Contains("exit code 2 (bad input)", failed.Error);
        Assert.Contains("missing.json", failed.Error);
    }

    static async Task<string> Squeue(string job) =>
        (await SlurmSweepRunner.RunAsync("squeue", ["-h", "-r", "-j", job, "-o", "%i|%T"], Path.GetTempPath(), CancellationToken.None)).Output;

    static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < limit, $"waited {limit.TotalSeconds} s in vain");
            await Task.Delay(500);
        }
    }
}
