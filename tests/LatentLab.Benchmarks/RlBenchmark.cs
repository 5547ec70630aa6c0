using System.Diagnostics;
using System.Globalization;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Benchmarks;

/// <summary>
/// `rl cartpole [--seeds 1 --timesteps 500000 --threads 1]`: CleanRL ppo.py's defaults on CartPole-v1; prints the mean return
/// of the last 20 episodes per seed and the wall time (CleanRL reports about 500).
/// `rl bake [--split stochastic|deterministic --distillation soft|hard --lr 0.01 --contexts 256]`: bakes the preset; prints the
/// report and wall time.
/// `rl train [--algorithm ppo|grpo --seeds 16 --iterations 200 --threads 1 --reference FILE.policy --profile]`: RL from the baked
/// Greenblatt-preset reference (or a saved one) with
/// the defaults; prints env-steps/s per seed and for the batch, and the final metrics' means over seeds.
/// </summary>
public static class RlBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        return args.FirstOrDefault() switch
        {
            "cartpole" => CartPoleRun(args),
            "train" => Train(args),
            "bake" => Bake(args),
            "table" => Table(args),
            "charts" => Charts(args),
            _ => Usage(),
        };
    }

    static int Usage()
    {
        Console.Error.WriteLine("usage: rl cartpole [--seeds 1 --timesteps 500000 --threads 1] | rl train [--algorithm ppo|grpo --seeds 16 --iterations 200 --threads 1 --reference FILE.policy --profile]" +
            " | rl table [--cartpole-steps 500000 --no-peer] | rl charts DIR");
        return 2;
    }

    static string Get(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    static int Int(string[] args, string name, int fallback) => int.Parse(Get(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    static int CartPoleRun(string[] args)
    {
        var options = new CartPolePpoOptions
        {
            Seeds = Int(args, "--seeds", 1), TotalTimesteps = Int(args, "--timesteps", 500000), Threads = Int(args, "--threads", 1),
        };
        var progress = new Progress<(long Step, double Return)>(p => { if (p.Step % 50000 < 512) Console.WriteLine($"  step {p.Step}: return {p.Return:F1}"); });
        var run = CartPolePpo.Train(options, CPU, progress);
        var final = run.FinalReturn();
        Console.WriteLine($"CartPole-v1 PPO (CleanRL defaults), {options.Seeds} seed(s), {run.StepsPerSeed} steps per seed: " +
            $"final return (last 20 episodes) {string.Join(", ", final.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}; " +
            $"mean {final.Average():F1}; wall {run.Seconds:F1} s; {run.StepsPerSeed * options.Seeds / run.Seconds:F0} env-steps/s for the batch");
        return 0;
    }

    static int Bake(string[] args)
    {
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        var options = new BakeOptions
        {
            Split = Get(args, "--split", "stochastic") == "deterministic" ? BakeSplit.Deterministic : BakeSplit.Stochastic,
            Distillation = Get(args, "--distillation", "soft") == "hard" ? Distillation.Hard : Distillation.Soft,
            LearningRate = double.Parse(Get(args, "--lr", "0.01"), CultureInfo.InvariantCulture),
            ContextsPerType = Int(args, "--contexts", 256), Threads = Int(args, "--threads", 1),
        };
        var clock = Stopwatch.StartNew();
        var baked = ReferenceBaker.Bake(env, options);
        Console.WriteLine($"bake {options.Split} {options.Distillation} lr {options.LearningRate}: matched at step {baked.StepsToMatch} of {baked.Steps} in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var t in baked.Types)
            Console.WriteLine($"  {t.Type}: comply {t.Comply:F3} (target {t.TargetComply:F3}), concerns|comply {t.ConcernsGivenComply:F3} ({t.TargetConcernsGivenComply:F3}), KL {t.KlMean:F4} (max {t.KlMax:F4}), margin {t.ModeMargin:F2}");
        return 0;
    }

    static int Train(string[] args)
    {
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        int seeds = Int(args, "--seeds", 16), iterations = Int(args, "--iterations", 200), threads = Int(args, "--threads", 1);
        AlignmentPolicy reference;
        var referenceFile = Get(args, "--reference", "");
        if (referenceFile.Length > 0)
        {
            reference = PolicyCheckpoint.Load(referenceFile, CPU).Policy;
            Console.WriteLine($"reference: {referenceFile}");
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var baked = ReferenceBaker.Bake(env, new BakeOptions { Threads = threads });
            Console.WriteLine($"bake: matched at step {baked.StepsToMatch} in {clock.Elapsed.TotalSeconds:F1} s");
            foreach (var t in baked.Types)
                Console.WriteLine($"  {t.Type}: comply {t.Comply:F3} (target {t.TargetComply:F3}), concerns|comply {t.ConcernsGivenComply:F3}, KL {t.KlMean:F4} (max {t.KlMax:F4})");
            reference = baked.Policy;
        }
        // --profile: the training thread's CPU seconds per phase (RlPhaseTimes); the run's numbers are the same with it.
        var phases = args.Contains("--profile") ? new RlPhaseTimes() : null;
        double cpu0 = RlPhaseTimes.ThreadCpuSeconds();
        var load = Load();
        RlRun run = Get(args, "--algorithm", "ppo") == "grpo"
            ? Grpo.Train(reference, new GrpoOptions { Seeds = seeds, Iterations = iterations, Threads = threads }, phases: phases)
            : Ppo.Train(reference, new PpoOptions { Seeds = seeds, Iterations = iterations, Threads = threads }, phases: phases);
        double cpu = RlPhaseTimes.ThreadCpuSeconds() - cpu0;
        double perSeed = run.EpisodesPerSeed * AlignmentEnvironment.Decisions / run.Seconds;
        Console.WriteLine($"{run.Algorithm}: {seeds} seeds x {run.EpisodesPerSeed} episodes in {run.Seconds:F1} s wall, {cpu:F1} s CPU of the training thread " +
            $"(load before {load}, after {Load()}): {perSeed:F0} env-steps/s per seed, {perSeed * seeds:F0} for the batch (wall)");
        if (phases is not null) Console.WriteLine(phases);
        foreach (var m in AlignmentMetrics.Names)
            Console.WriteLine($"  {m}: start {run.Rows.Where(r => r.Step == 0 && r.Metric == m).Average(r => r.Value):F3} -> end {run.Final(m).Average():F3}");
        return 0;
    }

    static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    static (T Result, double Wall, double Cpu) Timed<T>(Func<T> work)
    {
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = work();
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (result, wall, (process.TotalProcessorTime - cpu0).TotalSeconds);
    }

    /// <summary>
    /// `rl table`: every RL figure of the README in one run, as its markdown table: bake, `#!rl-train`'s defaults (PPO and
    /// GRPO, 16 seeds), the cost of a wider batch (the grid-batching question), and CartPole against the CleanRL-style PyTorch
    /// peer (tests/LatentLab.Benchmarks/cleanrl_ppo_cartpole.py, same steps, run after ours). Each row has the load average
    /// before it and the process CPU seconds: on a loaded machine the wall time is inflated and CPU time is what a quiet
    /// single-thread run would need.
    /// </summary>
    static int Table(string[] args)
    {
        int cartpoleSteps = Int(args, "--cartpole-steps", 500000);
        bool peer = !args.Contains("--no-peer");
        var rows = new List<string>();
        void Row(string what, string measured, string target, string load, double wall, double cpu)
        {
            var row = $"| {what} | {measured} | {target} | {wall:F1} s wall, {cpu:F1} s CPU | {load} |";
            rows.Add(row);
            Console.WriteLine(row);
        }
        Console.WriteLine($"RL benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, one torch thread");
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        string load = Load();
        var (baked, bw, bc) = Timed(() => ReferenceBaker.Bake(env, new BakeOptions()));
        Row("`#!rl-bake` defaults (preset alignment-faking-2024)", $"matched at step {baked.StepsToMatch}", "", load, bw, bc);

        foreach (var algorithm in new[] { "ppo", "grpo" })
        {
            load = Load();
            var (run, w, c) = Timed(() => algorithm == "ppo" ? Ppo.Train(baked.Policy, new PpoOptions()) : Grpo.Train(baked.Policy, new GrpoOptions()));
            double perSeed = run.EpisodesPerSeed * AlignmentEnvironment.Decisions / run.Seconds;
            Row($"`#!rl-train --algorithm {algorithm}` defaults, 16 seeds x {run.StepsCompleted} iterations",
                $"{perSeed:F0} env-steps/s per seed, {perSeed * 16:F0} for the batch", "<= 30 s", load, w, c);
        }

        // The grid-batching question: is one batch of 4 x 16 seeds cheaper than 4 runs of 16? Same PPO defaults, 20 iterations.
        var short16 = new PpoOptions { Iterations = 20, EvalEvery = 20 };
        load = Load();
        var (_, w16, c16) = Timed(() => Ppo.Train(baked.Policy, short16));
        var (_, w64, c64) = Timed(() => Ppo.Train(baked.Policy, short16 with { Seeds = 64 }));
        Row("PPO 20 iterations, 16 seeds vs 64 seeds in one batch (4 grid points batched)",
            $"64 seeds cost {c64 / c16:F2}x the CPU of 16 ({w64 / w16:F2}x wall)", "4 runs of 16 = 4.00x", load, w16 + w64, c16 + c64);

        load = Load();
        var curve = new List<string>();
        long next = 50000;
        var progress = new SyncProgress(p => { if (p.Step >= next) { curve.Add($"{p.Step / 1000}k: {p.Return:F0}"); next += 50000; } });
        var (cart, cw, cc) = Timed(() => CartPolePpo.Train(new CartPolePpoOptions { TotalTimesteps = cartpoleSteps }, CPU, progress));
        Row($"CartPole-v1 PPO, CleanRL defaults, 1 seed, {cart.StepsPerSeed} steps",
            $"final return (last 20 episodes) {cart.FinalReturn()[0]:F1}; {cart.StepsPerSeed / cart.Seconds:F0} env-steps/s; curve {string.Join(", ", curve)}",
            "about 500 (CleanRL)", load, cw, cc);

        if (peer)
        {
            var script = Path.Combine(AppContext.BaseDirectory, "cleanrl_ppo_cartpole.py");
            if (!File.Exists(script)) script = "tests/LatentLab.Benchmarks/cleanrl_ppo_cartpole.py";
            load = Load();
            var start = new ProcessStartInfo("/usr/bin/python3", $"{script} --timesteps {cartpoleSteps} --threads 1") { RedirectStandardOutput = true };
            var clock = Stopwatch.StartNew();
            try
            {
                using var python = Process.Start(start)!;
                var lines = new List<string>();
                string? line;
                while ((line = python.StandardOutput.ReadLine()) is not null) { Console.WriteLine("  peer: " + line); lines.Add(line.Trim()); }
                python.WaitForExit();
                double cpu = python.TotalProcessorTime.TotalSeconds;
                var peerCurve = lines.Where(l => l.StartsWith("step ")).Select(l => l.Split(' ')).Select(f => $"{long.Parse(f[1].TrimEnd(':')) / 1000}k: {double.Parse(f[3], CultureInfo.InvariantCulture):F0}");
                Row("the same in PyTorch (CleanRL-style ppo.py, our script)", (lines.LastOrDefault() ?? "no output") + $"; curve {string.Join(", ", peerCurve)}",
                    "", load, clock.Elapsed.TotalSeconds, cpu);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                Console.WriteLine($"  peer not run: {e.Message} (needs /usr/bin/python3 with python3-torch)");
            }
        }
        Console.WriteLine();
        Console.WriteLine("| what | measured | target | time | load before (1/5/15 min) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var row in rows) Console.WriteLine(row);
        return 0;
    }

    /// <summary>`rl charts DIR`: a short PPO run and a small grid, their charts written as offline HTML pages (for a screenshot).</summary>
    static int Charts(string[] args)
    {
        var dir = args.Length > 1 ? args[1] : "rl-charts";
        Directory.CreateDirectory(dir);
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions { Coupling = 1 }, CPU);
        var baked = ReferenceBaker.Bake(env, new BakeOptions { ContextsPerType = 64, MaxSteps = 600, Policy = new PolicyOptions { Width = 32, OutputGain = 1.0 } });
        var run = Ppo.Train(baked.Policy, new PpoOptions { Seeds = 4, Iterations = 40, Episodes = 128, EvalEvery = 4 });
        File.WriteAllText(Path.Combine(dir, "rates.html"), LatentLab.Reports.ChartHtml.ToPage(LatentLab.Reports.RlCharts.Rates(run)));
        File.WriteAllText(Path.Combine(dir, "kl.html"), LatentLab.Reports.ChartHtml.ToPage(LatentLab.Reports.RlCharts.Kl(run)));
        var grid = RlGrid.Run(baked.Policy, new PpoOptions { Seeds = 4, Iterations = 30, Episodes = 128, EvalEvery = 10 },
            "ConcernCost", [0.0, 0.05, 0.1, 0.15], "Coupling", [0.0, 1.0]);
        File.WriteAllText(Path.Combine(dir, "grid.html"), LatentLab.Reports.ChartHtml.ToPage(LatentLab.Reports.RlCharts.Grid(grid, AlignmentMetrics.ConcernRateTrain)));
        Console.WriteLine($"wrote {dir}/rates.html, kl.html, grid.html");
        return 0;
    }

    sealed class SyncProgress(Action<(long Step, double Return)> report) : IProgress<(long Step, double Return)>
    {
        public void Report((long Step, double Return) value) => report(value);
    }
}
