using System.Diagnostics;
using System.Globalization;
using LatentLab.Sweeps;

namespace LatentLab.Benchmarks;

/// <summary>
/// `sweep [--tool PATH/LatentLab.Cli.dll --repeats 5 --point-steps N --points 4 --scaling-hidden 32]`: the cost of one sweep point besides its own
/// work, and the local runner's scaling from 1 to 2 workers.
/// Overhead: (a) `latentlab --help` as a process (process start, runtime, CLI load), (b) a minimal point run standalone
/// (a: plus torch/LatentLab load, 1 training step, result files and --summary), (c) the same minimal points through the
/// local runner at 1 worker (b: plus the runner's own cost per point), (d) the in-process result write and merge per point.
/// The peer: `python3 -c "import torch"` (process start plus package load of PyTorch) when Debian's python3-torch is installed.
/// Scaling: --points bandit-train points of ~10 s at one thread, with 1 worker then 2; ideal speedup 2.
/// </summary>
public static class SweepBenchmark
{
    public static int Run(string[] args)
    {
        string Get(string name, string fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        var tool = SweepTool.Resolve(Get("--tool", FindTool()));
        int repeats = int.Parse(Get("--repeats", "5"), CultureInfo.InvariantCulture);
        int points = int.Parse(Get("--points", "4"), CultureInfo.InvariantCulture);
        int pointSteps = int.Parse(Get("--point-steps", "400"), CultureInfo.InvariantCulture);
        string scalingHidden = Get("--scaling-hidden", "32");   // the scaling points' student width (32: the default student)
        Console.WriteLine($"tool: {string.Join(' ', tool.CommandLine([]))}");
        Console.WriteLine($"load average before: {LoadAverage()}");
        var commands = SweepCatalog.FromToolAsync(tool).GetAwaiter().GetResult();

        // (a) process start + CLI load
        var help = Times(repeats, () => Exec(tool.FileName, [.. tool.Prefix, "--help"]));
        Report("(a) latentlab --help as a process", help);
        // peer
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";   // Debian's, where python3-torch installs
        if (Exec(python, ["-c", "import torch"], quiet: true) == 0)
            Report("peer: python3 -c \"import torch\"", Times(repeats, () => Exec(python, ["-c", "import torch"])));
        else
            Report("peer (no python3-torch here): python3 -c pass", Times(repeats, () => Exec(python, ["-c", "pass"])));
        // (b) minimal point, standalone
        string Temp() => Path.Combine(Path.GetTempPath(), "latentlab-sweep-bench", Guid.NewGuid().ToString("N"));
        string[] Minimal(string dir) => [.. tool.Prefix, "bandit-train", "--steps", "1", "--batch", "8", "--hidden", "8", "--train-horizon", "5", "--threads", "1",
            "--device", "cpu", "--out-dir", dir, "--summary", Path.Combine(dir, "result.json"), "--progress", "none"];
        var minimal = Times(repeats, () => Exec(tool.FileName, Minimal(Temp())));
        Report("(b) minimal point standalone (1 step, checkpoint, CSV, summary)", minimal);
        // (c) the same through the local runner, 1 worker, `repeats` points (seeds)
        var options = new SweepOptions
        {
            Command = "bandit-train", Grid = "hidden=8", Fixed = "steps=1; batch=8; train-horizon=5; device=cpu", Seeds = $"0-{repeats - 1}", Workers = 1, Folder = Temp(),
        };
        var clock = Stopwatch.StartNew();
        var outcome = Sweep.RunAsync(options, commands, tool, null, CancellationToken.None).GetAwaiter().GetResult();
        double perPoint = clock.Elapsed.TotalSeconds / repeats;
        Console.WriteLine($"(c) minimal points through the local runner, 1 worker: {perPoint:0.000} s per point ({outcome.Done} done); " +
                          $"runner's own cost per point ~ {perPoint - Median(minimal):0.000} s (c - median b)");
        // (d) result write + merge, in-process
        var json = File.ReadAllText(Directory.GetFiles(options.Folder, "result.json", SearchOption.AllDirectories)[0]);
        var target = Path.Combine(options.Folder, "bench-result.json");
        var write = Stopwatch.StartNew();
        for (int i = 0; i < 200; i++) SweepFolder.WriteAtomically(target, json);
        double writeMs = write.Elapsed.TotalMilliseconds / 200;
        var merge = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++) _ = SweepTable.Of(outcome.Folder);
        double mergeMs = merge.Elapsed.TotalMilliseconds / 20 / repeats;
        Console.WriteLine($"(d) atomic result write {writeMs:0.000} ms per point; merge {mergeMs:0.000} ms per point");

        // Scaling: points of ~10 s, 1 worker then 2.
        var scaling = options with { Grid = $"hidden={scalingHidden}", Fixed = $"steps={pointSteps}; device=cpu", Seeds = $"0-{points - 1}" };
        Console.WriteLine($"scaling: {points} points of bandit-train --steps {pointSteps} --hidden {scalingHidden} (defaults otherwise), one torch thread each");
        var one = Timed(scaling with { Workers = 1, Folder = Temp() }, commands, tool);
        Console.WriteLine($"  1 worker: {one:0.0} s ({one / points:0.00} s per point), load average {LoadAverage()}");
        var two = Timed(scaling with { Workers = 2, Folder = Temp() }, commands, tool);
        Console.WriteLine($"  2 workers: {two:0.0} s, load average {LoadAverage()}");
        Console.WriteLine($"  speedup 1 -> 2 workers: {one / two:0.00}x (linear: 2.00x; {100 * (one / two) / 2:0}% of linear)");
        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    static double Timed(SweepOptions options, IReadOnlyList<SweepableCommand> commands, SweepTool tool)
    {
        var clock = Stopwatch.StartNew();
        var outcome = Sweep.RunAsync(options, commands, tool, null, CancellationToken.None).GetAwaiter().GetResult();
        if (outcome.Done != options.Seeds.Split('-').Select(int.Parse).Aggregate((a, b) => b - a + 1))
            throw new InvalidOperationException($"the sweep did not finish: {outcome.Failed} failed: {outcome.Points.FirstOrDefault(p => p.Error is not null)?.Error}");
        return clock.Elapsed.TotalSeconds;
    }

    static string FindTool()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "extension", "LatentLab.Cli"))) dir = dir.Parent;
        var bin = Path.Combine(dir?.FullName ?? ".", "extension", "LatentLab.Cli", "bin", "Release");
        var found = Directory.Exists(bin) ? Directory.GetFiles(bin, "LatentLab.Cli.dll", SearchOption.AllDirectories) : [];
        return found.Length > 0 ? found[0] : throw new InvalidOperationException(
            "No Release build of LatentLab.Cli: run `dotnet build -c Release extension/LatentLab.Cli` or pass --tool PATH/LatentLab.Cli.dll.");
    }

    static List<double> Times(int repeats, Func<int> run)
    {
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            int code = run();
            if (code != 0) throw new InvalidOperationException($"exit code {code}");
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return times;
    }

    static double Median(List<double> x)
    {
        var s = x.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    static void Report(string what, List<double> times) =>
        Console.WriteLine($"{what}: median {Median(times):0.000} s (min {times.Min():0.000}, max {times.Max():0.000}, n {times.Count})");

    static int Exec(string file, IReadOnlyList<string> args, bool quiet = false)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        LocalSweepRunner.SetThreadEnvironment(info.Environment, 1);
        try
        {
            using var p = Process.Start(info)!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) when (quiet)
        {
            return 127;
        }
    }

    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
