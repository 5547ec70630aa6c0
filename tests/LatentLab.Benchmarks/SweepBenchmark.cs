using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LatentLab.Sweeps;

namespace LatentLab.Benchmarks;

/// <summary>
/// `sweep [--tool PATH/LatentLab.Cli.dll --compare PATH/LatentLab.Cli.dll --repeats 5 --point-steps N --points 4 --scaling-hidden 32 --scaling-only]`:
/// the cost of one sweep point besides its own work, and the local runner's scaling from 1 to 2 workers; with --compare, the
/// minimal point and the scaling runs of a second build (e.g. main's) interleaved with the first, side by side.
/// Besides wall time, every part reports CPU seconds (user+sys) of the point processes (getrusage of the reaped children)
/// and of this process (the runner), which a machine loaded by other jobs changes much less than wall time.
/// Overhead: (a) `latentlab --version` and `--help` as processes (process start, runtime, CLI load), (b) a minimal point run standalone
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
        var compare = Get("--compare", "") is { Length: > 0 } other ? SweepTool.Resolve(other) : null;
        bool scalingOnly = args.Contains("--scaling-only");
        int repeats = int.Parse(Get("--repeats", "5"), CultureInfo.InvariantCulture);
        int points = int.Parse(Get("--points", "4"), CultureInfo.InvariantCulture);
        int pointSteps = int.Parse(Get("--point-steps", "400"), CultureInfo.InvariantCulture);
        string scalingHidden = Get("--scaling-hidden", "32");   // the scaling points' student width (32: the default student)
        Console.WriteLine($"tool: {string.Join(' ', tool.CommandLine([]))}");
        if (compare is not null) Console.WriteLine($"compared with: {string.Join(' ', compare.CommandLine([]))}");
        Console.WriteLine($"load average before: {LoadAverage()}");
        var commands = SweepCatalog.FromToolAsync(tool).GetAwaiter().GetResult();
        string Temp() => Path.Combine(Path.GetTempPath(), "latentlab-sweep-bench", Guid.NewGuid().ToString("N"));
        var options = new SweepOptions
        {
            Command = "bandit-train", Grid = "hidden=8", Fixed = "steps=1; batch=8; train-horizon=5; device=cpu", Seeds = $"0-{repeats - 1}", Workers = 1, Folder = Temp(),
        };
        if (!scalingOnly) Overhead(tool, compare, commands, options, repeats, Temp);
        Scaling(tool, compare, commands, options, points, pointSteps, scalingHidden, Temp);
        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    static void Overhead(SweepTool tool, SweepTool? compare, IReadOnlyList<SweepableCommand> commands, SweepOptions options, int repeats, Func<string> Temp)
    {
        // (a) process start + CLI load: `latentlab --version` (runtime start, the command line parsed, nothing else loaded) and
        // `--help` (every command's options built); wall and CPU, with --compare the other build's interleaved.
        foreach (var flag in new[] { "--version", "--help" })
        {
            var (wall, cpu, comparedWall, comparedCpu) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
            for (int i = 0; i < repeats; i++)
            {
                var (w, c) = TimedExec(tool.FileName, [.. tool.Prefix, flag]);
                wall.Add(w);
                cpu.Add(c);
                if (compare is null) continue;
                (w, c) = TimedExec(compare.FileName, [.. compare.Prefix, flag]);
                comparedWall.Add(w);
                comparedCpu.Add(c);
            }
            Report($"(a) latentlab {flag} as a process, wall", wall);
            Report("    the same, CPU (user+sys)", cpu);
            if (compare is null) continue;
            Report($"(a) compared build: latentlab {flag}, wall", comparedWall);
            Report("    compared build: CPU (user+sys)", comparedCpu);
        }
        // peer
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";   // Debian's, where python3-torch installs
        if (Exec(python, ["-c", "import torch"], quiet: true) == 0)
            Report("peer: python3 -c \"import torch\"", Times(repeats, () => Exec(python, ["-c", "import torch"])));
        else
            Report("peer (no python3-torch here): python3 -c pass", Times(repeats, () => Exec(python, ["-c", "pass"])));
        // (b) minimal point, standalone (with --compare: the other build's, interleaved run by run)
        static string[] Minimal(SweepTool t, string dir) => [.. t.Prefix, "bandit-train", "--steps", "1", "--batch", "8", "--hidden", "8", "--train-horizon", "5", "--threads", "1",
            "--device", "cpu", "--out-dir", dir, "--summary", Path.Combine(dir, "result.json"), "--progress", "none"];
        var minimal = new List<double>();
        var minimalCpu = new List<double>();
        var other = new List<double>();
        var otherCpu = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var (w, c) = TimedExec(tool.FileName, Minimal(tool, Temp()));
            minimal.Add(w);
            minimalCpu.Add(c);
            if (compare is null) continue;
            (w, c) = TimedExec(compare.FileName, Minimal(compare, Temp()));
            other.Add(w);
            otherCpu.Add(c);
        }
        Report("(b) minimal point standalone (1 step, checkpoint, CSV, summary), wall", minimal);
        Report("    the same, CPU (user+sys) of the point's process", minimalCpu);
        if (compare is not null)
        {
            Report("(b) compared build: minimal point standalone, wall", other);
            Report("    compared build: CPU (user+sys) of the point's process", otherCpu);
        }
        // (c) the same through the local runner, 1 worker, `repeats` points (seeds); the plan is made once before (its
        // first-call JIT in this process is not a per-point cost).
        _ = SweepPlan.Create(options, commands);
        var before = Cpu.Take();
        var clock = Stopwatch.StartNew();
        var outcome = Sweep.RunAsync(options, commands, tool, null, CancellationToken.None).GetAwaiter().GetResult();
        double perPoint = clock.Elapsed.TotalSeconds / repeats;
        var used = Cpu.Take() - before;
        Console.WriteLine($"(c) minimal points through the local runner, 1 worker: {perPoint:0.000} s per point ({outcome.Done} done); " +
                          $"runner's own cost per point ~ {perPoint - Median(minimal):0.000} s (c - median b); CPU per point: points {used.Children / repeats:0.000} s " +
                          $"(b: {Median(minimalCpu):0.000} s), runner {used.Self / repeats:0.000} s");
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
    }

    /// <summary>
    /// Points of ~10 s, 1 worker then 2 (with --compare: both builds, interleaved: A 1, B 1, A 2, B 2). Besides the wall-time
    /// speed-up: the points' CPU seconds (equal at 1 and 2 workers when running two at once costs nothing) and the runner's.
    /// </summary>
    static void Scaling(SweepTool tool, SweepTool? compare, IReadOnlyList<SweepableCommand> commands, SweepOptions options, int points, int pointSteps,
        string scalingHidden, Func<string> Temp)
    {
        var scaling = options with { Grid = $"hidden={scalingHidden}", Fixed = $"steps={pointSteps}; device=cpu", Seeds = $"0-{points - 1}" };
        Console.WriteLine($"scaling: {points} points of bandit-train --steps {pointSteps} --hidden {scalingHidden} (defaults otherwise), one torch thread each");
        var tools = compare is null ? new[] { ("tool", tool) } : [("tool", tool), ("compared", compare)];
        var results = new Dictionary<(string, int), (double Wall, Cpu.Use Cpu)>();
        foreach (var workers in new[] { 1, 2 })
        {
            foreach (var (name, t) in tools)
            {
                var r = Timed(scaling with { Workers = workers, Folder = Temp() }, commands, t);
                results[(name, workers)] = r;
                Console.WriteLine($"  {name}, {workers} worker{(workers == 1 ? "" : "s")}: {r.Wall:0.0} s wall; CPU: points {r.Cpu.Children:0.00} s " +
                                  $"({r.Cpu.Children / points:0.00} s per point), runner {r.Cpu.Self:0.00} s; load average {LoadAverage()}");
            }
        }
        foreach (var (name, _) in tools)
        {
            var (one, two) = (results[(name, 1)], results[(name, 2)]);
            Console.WriteLine($"  {name}: speedup 1 -> 2 workers {one.Wall / two.Wall:0.00}x (linear: 2.00x; {100 * (one.Wall / two.Wall) / 2:0}% of linear); " +
                              $"points' CPU at 2 workers / at 1: {two.Cpu.Children / one.Cpu.Children:0.000}");
        }
    }

    static (double Wall, Cpu.Use Cpu) Timed(SweepOptions options, IReadOnlyList<SweepableCommand> commands, SweepTool tool)
    {
        _ = SweepPlan.Create(options, commands);
        var before = Cpu.Take();
        var clock = Stopwatch.StartNew();
        var outcome = Sweep.RunAsync(options, commands, tool, null, CancellationToken.None).GetAwaiter().GetResult();
        var wall = clock.Elapsed.TotalSeconds;
        var used = Cpu.Take() - before;
        if (outcome.Done != options.Seeds.Split('-').Select(int.Parse).Aggregate((a, b) => b - a + 1))
            throw new InvalidOperationException($"the sweep did not finish: {outcome.Failed} failed: {outcome.Points.FirstOrDefault(p => p.Error is not null)?.Error}");
        return (wall, used);
    }

    /// <summary>One process run: wall seconds and the CPU seconds (user+sys) of the child.</summary>
    static (double Wall, double Cpu) TimedExec(string file, IReadOnlyList<string> args)
    {
        var before = Cpu.Take();
        var clock = Stopwatch.StartNew();
        int code = Exec(file, args);
        if (code != 0) throw new InvalidOperationException($"exit code {code}");
        return (clock.Elapsed.TotalSeconds, (Cpu.Take() - before).Children);
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

    /// <summary>CPU seconds (user+sys) of this process and of its reaped children (getrusage), as differences between two takes.</summary>
    static class Cpu
    {
        public readonly record struct Use(double Self, double Children)
        {
            public static Use operator -(Use a, Use b) => new(a.Self - b.Self, a.Children - b.Children);
        }

        [StructLayout(LayoutKind.Sequential)]
        struct RUsage
        {
            public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
            public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
        }

        [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
        static extern int GetRUsage(int who, out RUsage usage);

        static double Seconds(int who) => GetRUsage(who, out var u) == 0
            ? u.UserSeconds + u.SystemSeconds + (u.UserMicros + u.SystemMicros) / 1e6
            : throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");

        /// <summary>Now: RUSAGE_SELF (0) and RUSAGE_CHILDREN (-1).</summary>
        public static Use Take() => new(Seconds(0), Seconds(-1));
    }
}
