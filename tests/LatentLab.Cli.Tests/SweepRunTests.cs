using System.Diagnostics;
using LatentLab.Cli.Commands;
using LatentLab.Sweeps;

namespace LatentLab.Cli.Tests;

/// <summary>
/// The built <c>latentlab</c> (LatentLab.Cli.dll beside the tests) as every sweep point's process. Tiny bandit-train points
/// (a few seconds each, most of it process start and torch load).
/// </summary>
public static class SweepFixture
{
    /// <summary>The tool the points run.</summary>
    public static string ToolDll => Path.Combine(AppContext.BaseDirectory, "LatentLab.Cli.dll");

    /// <summary>The small sweep every runner test uses: 2 settings x 2 seeds of a 10-step training.</summary>
    public static SweepOptions Small(string folder, SweepBackend on = SweepBackend.Local) => new()
    {
        Command = "bandit-train", Grid = "hidden=8,16", Fixed = "steps=10; train-horizon=10; batch=16; device=cpu", Seeds = "0-1",
        Folder = folder, Workers = 2, On = on, Tool = ToolDll, PollSeconds = 0.5,
    };

    /// <summary>A sweep whose second point fails when it runs: its --options file does not exist (only the point itself can know).</summary>
    public static SweepOptions Failing(string folder, SweepBackend on = SweepBackend.Local)
    {
        var good = Path.Combine(folder + "-inputs", "good.json");
        Directory.CreateDirectory(Path.GetDirectoryName(good)!);
        File.WriteAllText(good, "{\"hidden\": 8}");
        return Small(folder, on) with { Grid = $"options={good},{Path.Combine(folder + "-inputs", "missing.json")}", Seeds = "0" };
    }

    /// <summary>Runs the sweep of <paramref name="options"/> to its end.</summary>
    public static Task<SweepOutcome> RunAsync(SweepOptions options, CancellationToken token = default, IProgress<SweepRunProgress>? progress = null) =>
        Sweep.RunAsync(options, SweepCli.Commands(), SweepTool.Resolve(options.Tool), progress, token);

    /// <summary>The merged per-point table as CSV text, without the error column (its messages name the folder).</summary>
    public static string PointsCsv(SweepOutcome outcome)
    {
        var frame = outcome.Table().Points;
        frame.Columns.Remove("error");
        using var stream = new MemoryStream();
        Microsoft.Data.Analysis.DataFrame.SaveCsv(frame, stream, cultureInfo: System.Globalization.CultureInfo.InvariantCulture);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>The local runner: merge, resume, a failing point, an interrupt.</summary>
public sealed class LocalSweepTests
{
    [Fact]
    public async Task SmallSweep_MergesOneRowPerPoint_AndASummaryPerSetting_ThenResumeSkipsDonePoints()
    {
        var folder = CliHost.TempFolder();
        var outcome = await SweepFixture.RunAsync(SweepFixture.Small(folder));
        Assert.Equal(4, outcome.Done);
        Assert.Equal(0, outcome.Skipped);
        var table = outcome.Table();
        var points = table.Points;
        Assert.Equal(4, points.Rows.Count);
        Assert.Equal(["point", "hidden", "seed", "state", "steps_completed", "final_loss", "final_agreement", "error"], points.Columns.Select(c => c.Name));
        Assert.Equal(new long[] { 8, 8, 16, 16 }, points["hidden"].Cast<long>());
        Assert.Equal([0, 1, 0, 1], points["seed"].Cast<int>());
        Assert.All(points["steps_completed"].Cast<double>(), v => Assert.Equal(10, v));

        // Each row holds what that point's own result file says (the merge joins files to points by name).
        for (int i = 0; i < 4; i++)
        {
            var result = SweepFolder.ReadResult(Path.Combine(folder, "points", (string)points["point"][i], SweepFolder.ResultFile))!;
            Assert.Equal(result.Metrics.First(m => m.Key == "final_loss").Value, (double)points["final_loss"][i]!);
            Assert.True(File.Exists(Path.Combine(folder, "points", (string)points["point"][i], "student.ckpt")));
        }
        // Per setting: the mean over the two seeds and its t-interval (df 1: 12.706 x sd / sqrt 2).
        var settings = table.Settings;
        Assert.Equal(2, settings.Rows.Count);
        double a = (double)points["final_loss"][0]!, b = (double)points["final_loss"][1]!;
        double mean = (a + b) / 2, half = 12.7062 * Math.Abs(a - b) / Math.Sqrt(2) / Math.Sqrt(2);
        Assert.Equal(mean, (double)settings["final_loss_mean"][0]!, 12);
        Assert.Equal(mean - half, (double)settings["final_loss_ci_low"][0]!, 9);
        Assert.Equal(mean + half, (double)settings["final_loss_ci_high"][0]!, 9);
        Assert.Equal(2, (int)settings["done"][0]!);
        var (data, _) = LatentLab.Reports.ChartHtml.ToJson(LatentLab.Reports.SweepCharts.Metric(table, "final_loss"));
        Assert.Contains("hidden 16", data);
        Assert.Contains(mean.ToString("R", System.Globalization.CultureInfo.InvariantCulture)[..6], data);
        Assert.Contains("it has steps_completed, final_loss, final_agreement",
            Assert.Throws<ArgumentException>(() => LatentLab.Reports.SweepCharts.Metric(table, "regret")).Message);

        // Resume: nothing runs again; a point whose result is removed is the only one rerun.
        var before = Directory.GetFiles(Path.Combine(folder, "points"), SweepFolder.ResultFile, SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var again = await SweepFixture.RunAsync(SweepFixture.Small(folder));
        Assert.Equal(4, again.Skipped);
        Assert.Equal(before, before.Keys.ToDictionary(f => f, File.GetLastWriteTimeUtc));
        var removed = Path.Combine(folder, "points", (string)points["point"][2], SweepFolder.ResultFile);
        File.Delete(removed);
        var resumed = await SweepFixture.RunAsync(SweepFixture.Small(folder));
        Assert.Equal(3, resumed.Skipped);
        Assert.Equal(4, resumed.Done);
        Assert.All(before.Keys.Where(f => f != removed), f => Assert.Equal(before[f], File.GetLastWriteTimeUtc(f)));
        Assert.Equal(SweepFixture.PointsCsv(outcome), SweepFixture.PointsCsv(resumed));   // same seed, one thread: the same numbers
    }

    [Fact]
    public async Task FailingPoint_IsReportedWithItsMessage_AndTheOthersFinish()
    {
        var folder = CliHost.TempFolder();
        var outcome = await SweepFixture.RunAsync(SweepFixture.Failing(folder));
        Assert.Equal(1, outcome.Done);
        Assert.Equal(1, outcome.Failed);
        var failed = outcome.Points.Single(p => p.State == PointState.Failed);
        Assert.Contains(failed.Point.Arguments, a => a.EndsWith("missing.json", StringComparison.Ordinal));
        Assert.Equal(2, failed.ExitCode);
        Assert.Contains("exit code 2 (bad input)", failed.Error);
        Assert.Contains("missing.json", failed.Error);
        var table = outcome.Table();
        Assert.Equal(["done", "failed"], table.Points["state"].Cast<string>());
        Assert.Equal(failed.Error, (string)table.Points["error"][1]!);
        Assert.True(double.IsNaN((double)table.Points["final_loss"][1]!));

        // A resume runs the failed point again (and fails again the same way), not the done one.
        var again = await SweepFixture.RunAsync(SweepFixture.Failing(folder));
        Assert.Equal(1, again.Skipped);
        Assert.Equal(1, again.Failed);
    }

    [Fact]
    public async Task LatentlabSweep_WithAFailingPoint_Exits3_NamesThePointAndItsMessage_AndWritesTheTableOfTheDoneOnes()
    {
        var folder = CliHost.TempFolder();
        var o = SweepFixture.Failing(folder);
        string[] line = ["sweep", "--command", o.Command, "--grid", o.Grid, "--fixed", o.Fixed, "--seeds", o.Seeds, "--workers", "2", "--folder", folder,
            "--tool", SweepFixture.ToolDll, "--progress", "none"];

        var (code, output, error) = await CliHost.RunAsync(line);

        Assert.Equal(ExitCodes.PointsFailed, code);
        Assert.Contains("2 points (2 settings x 1 seeds): 1 done (0 of them before this run), 1 failed, 0 not run", output);
        var points = File.ReadAllLines(Path.Combine(folder, "points.csv"));
        Assert.Equal(3, points.Length);
        var failedRow = Assert.Single(points, l => l.Contains(",failed,", StringComparison.Ordinal));
        var failedName = failedRow.Split(',')[0];
        Assert.Single(points, l => l.Contains(",done,", StringComparison.Ordinal));
        Assert.Contains($"latentlab sweep: point {failedName} failed: exit code 2 (bad input)", error);
        Assert.Contains("missing.json", error[error.IndexOf($"point {failedName} failed", StringComparison.Ordinal)..]);
        Assert.Contains("latentlab sweep: 1 of 2 points not done (1 failed;", error);
        Assert.Contains("exit code 3", error);
        var doneName = Assert.Single(points, l => l.Contains(",done,", StringComparison.Ordinal)).Split(',')[0];
        Assert.DoesNotContain($"point {doneName}", error);

        // All done: 0. The failing option replaced by a good file, the resume runs only that point.
        File.WriteAllText(Path.Combine(folder + "-inputs", "missing.json"), "{\"hidden\": 16}");
        (code, output, error) = await CliHost.RunAsync(line);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("2 done (1 of them before this run), 0 failed", output);
    }

    [Fact]
    public async Task Interrupt_KillsTheRunningPoints_KeepsNothingHalfDone_AndAResumeFinishesThem()
    {
        var folder = CliHost.TempFolder();
        var options = SweepFixture.Small(folder) with { Fixed = "steps=100000; train-horizon=10; batch=16; device=cpu", Grid = "hidden=8", Seeds = "0-1" };
        using var cts = new CancellationTokenSource();
        var running = new TaskCompletionSource();
        var progress = new Progress<SweepRunProgress>(p => { if (p.Running == 2) running.TrySetResult(); });
        var run = SweepFixture.RunAsync(options, cts.Token, progress);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var pids = Process.GetProcesses().Where(IsPoint(folder)).Select(p => p.Id).ToList();
        Assert.Equal(2, pids.Count);
        cts.Cancel();
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(outcome.Interrupted);
        Assert.Equal(2, outcome.Pending);
        Assert.All(pids, pid => Assert.False(Process.GetProcesses().Any(p => p.Id == pid && IsPoint(folder)(p)), $"point process {pid} still runs"));
        Assert.Empty(Directory.GetFiles(Path.Combine(folder, "points"), SweepFolder.ResultFile, SearchOption.AllDirectories));
    }

    static Func<Process, bool> IsPoint(string folder) => p =>
    {
        try
        {
            return File.ReadAllText($"/proc/{p.Id}/cmdline").Contains(folder, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    };

    [Fact]
    public async Task LatentlabSweep_WritesTheTables_AndSaysWhatRan()
    {
        var folder = CliHost.TempFolder();
        var (code, output, error) = await CliHost.RunAsync("sweep", "--command", "bandit-train", "--grid", "hidden=8", "--fixed", "steps=10; train-horizon=10; batch=16",
            "--seeds", "0,3", "--workers", "2", "--folder", folder, "--tool", SweepFixture.ToolDll, "--progress", "none");
        Assert.True(code == 0, error);
        Assert.Contains("Sweep of bandit-train: 2 points (1 settings x 2 seeds): 2 done (0 of them before this run), 0 failed, 0 not run", output);
        var csv = File.ReadAllLines(Path.Combine(folder, "points.csv"));
        Assert.Equal(3, csv.Length);
        Assert.Contains(",3,done,", csv[2]);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(folder, "settings.csv")).Length);

        var (badCode, _, badError) = await CliHost.RunAsync("sweep", "--command", "bandit-train", "--grid", "hidden=8,16", "--folder", folder, "--tool", SweepFixture.ToolDll);
        Assert.Equal(ExitCodes.BadInput, badCode);
        Assert.Contains("holds another sweep", badError);
    }
}
