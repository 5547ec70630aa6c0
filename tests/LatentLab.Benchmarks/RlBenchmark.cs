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
/// `rl train [--algorithm ppo|grpo --seeds 16 --iterations 200 --threads 1]`: RL from the baked Greenblatt-preset reference with
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
            _ => Usage(),
        };
    }

    static int Usage()
    {
        Console.Error.WriteLine("usage: rl cartpole [--seeds 1 --timesteps 500000 --threads 1] | rl train [--algorithm ppo|grpo --seeds 16 --iterations 200 --threads 1]");
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
        var clock = Stopwatch.StartNew();
        var baked = ReferenceBaker.Bake(env, new BakeOptions { Threads = threads });
        Console.WriteLine($"bake: matched at step {baked.StepsToMatch} in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var t in baked.Types)
            Console.WriteLine($"  {t.Type}: comply {t.Comply:F3} (target {t.TargetComply:F3}), concerns|comply {t.ConcernsGivenComply:F3}, KL {t.KlMean:F4} (max {t.KlMax:F4})");
        RlRun run = Get(args, "--algorithm", "ppo") == "grpo"
            ? Grpo.Train(baked.Policy, new GrpoOptions { Seeds = seeds, Iterations = iterations, Threads = threads })
            : Ppo.Train(baked.Policy, new PpoOptions { Seeds = seeds, Iterations = iterations, Threads = threads });
        double perSeed = run.EpisodesPerSeed * AlignmentEnvironment.Decisions / run.Seconds;
        Console.WriteLine($"{run.Algorithm}: {seeds} seeds x {run.EpisodesPerSeed} episodes in {run.Seconds:F1} s: " +
            $"{perSeed:F0} env-steps/s per seed, {perSeed * seeds:F0} for the batch");
        foreach (var m in AlignmentMetrics.Names)
            Console.WriteLine($"  {m}: start {run.Rows.Where(r => r.Step == 0 && r.Metric == m).Average(r => r.Value):F3} -> end {run.Final(m).Average():F3}");
        return 0;
    }
}
