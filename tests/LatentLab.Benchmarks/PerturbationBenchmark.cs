using System.Diagnostics;
using System.Globalization;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Benchmarks;

/// <summary>
/// `perturb rl [--points 24 --seeds 64 --threads 1 --width 64 --eval-per-type 64 --repeat 3 --kind weights]`: the weight-noise
/// sweep of one RL lab policy (width 64, depth 2, a random policy: the cost does not depend on the weights) as
/// <see cref="PerturbationSweep.Run"/> runs it; prints the wall and CPU time of each repetition and the time per grid point.
/// The PyTorch peer of the same computation is <c>perturb_torch.py</c> (same shapes, same row counts, same grid).
/// </summary>
public static class PerturbationBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        if (args.FirstOrDefault() == "attack-student") return AttackStudent(args);
        if (args.FirstOrDefault() == "student") return Student(args);
        if (args.FirstOrDefault() != "rl")
        {
            Console.Error.WriteLine("usage: perturb rl [--points 24 --seeds 64 --threads 1 --width 64 --eval-per-type 64 --repeat 3 --kind weights|activations]");
            Console.Error.WriteLine("       perturb student [--points 24 --seeds 16 --episodes 1000 --threads 2 --repeat 1 --train-steps 1 --one-by-one]");
            Console.Error.WriteLine("       perturb attack-student [--demonstrations 16 --max-steps 64 --seeds 8 --episodes 1000 --train-steps 1 --threads 1 --repeat 1]");
            return 2;
        }
        int points = Int(args, "--points", 24), seeds = Int(args, "--seeds", 64), threads = Int(args, "--threads", 1);
        int width = Int(args, "--width", 64), perType = Int(args, "--eval-per-type", 64), repeat = Int(args, "--repeat", 3);
        var kind = Get(args, "--kind", "weights") == "activations" ? PerturbationKind.Activations : PerturbationKind.Weights;
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        using var g = new Generator(5, CPU);
        var policy = AlignmentPolicy.Create(env, new PolicyOptions { Width = width, Depth = 2, OutputGain = 3.0 }, 1, g);
        using var subject = new PolicySubject("bench", policy, evalPerType: perType);
        subject.CopiesPerChunk = Int(args, "--chunk", subject.CopiesPerChunk);
        var options = new PerturbationOptions { Points = points, Seeds = seeds, Threads = threads, Kind = kind };
        Console.WriteLine($"RL policy width {width} depth 2, {4 * perType} evaluation contexts, {kind.ToString().ToLowerInvariant()} noise: " +
            $"{points} points x {seeds} seeds, {threads} thread(s); load average {LoadAverage()}");
        if (args.Contains("--profile")) return Profile(subject, seeds, threads);
        var times = new List<double>();
        for (int r = 0; r < repeat; r++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var curve = PerturbationSweep.Run(subject, options);
            double wall = clock.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            times.Add(wall);
            var s50 = curve.Halfway(AlignmentMetrics.BenignAccuracy);
            Console.WriteLine($"  run {r + 1}: wall {wall:F2} s, CPU {cpu:F2} s, {1000 * wall / points:F0} ms per point; s50(benign_accuracy) {s50.Value:0.####}");
        }
        Console.WriteLine($"best wall {times.Min():F2} s, median {times.Order().ElementAt(times.Count / 2):F2} s; load average {LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// `perturb attack-student`: the fine-tuning attack (greedy) and its control on the default bandit student (5 arms, hidden 32,
    /// training horizon 50; trained --train-steps steps: the cost does not depend on the weights), evaluated on --episodes
    /// episodes of 100 pulls, as <see cref="FineTuneAttack.Run"/> runs it; prints wall and CPU time of each repetition, and how
    /// much of it was gradient steps (the rest: one evaluation of all copies per step count, and the clean and goal rollouts).
    /// </summary>
    static int AttackStudent(string[] args)
    {
        int threads = Int(args, "--threads", 1), repeat = Int(args, "--repeat", 1), episodes = Int(args, "--episodes", 1000);
        var options = new FineTuneAttackOptions
        {
            Target = FineTuneTarget.Greedy, Demonstrations = Int(args, "--demonstrations", 16), MaxSteps = Int(args, "--max-steps", 64),
            Seeds = Int(args, "--seeds", 8), Threads = threads,
        };
        using var student = LatentLab.Imitation.BanditTrainer.Train(new LatentLab.Imitation.BanditTrainingOptions { Steps = Int(args, "--train-steps", 1), Threads = threads }, CPU);
        using var subject = new StudentSubject("bench", student, episodes: episodes);
        Console.WriteLine($"bandit student (default: 5 arms, hidden 32, H = 50), {episodes} evaluation episodes x 100 pulls: n = {options.Demonstrations}, " +
            $"k up to {options.MaxSteps}, {options.Seeds} sets, {threads} thread(s); load average {LoadAverage()}");
        for (int r = 0; r < repeat; r++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var reports = new List<FineTuneAttackProgress>();
            var result = FineTuneAttack.Run(subject, options, new Inline<FineTuneAttackProgress>(reports.Add));
            double wall = clock.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            // Gradient steps: the intervals between two progress reports with no evaluation between them, scaled to all 2k steps.
            var grid = options.StepGrid().ToHashSet();
            var plain = Enumerable.Range(1, reports.Count - 1).Where(i => !(reports[i - 1].Step % 2 == 0 && grid.Contains(reports[i - 1].Step / 2)))
                .Select(i => (reports[i].Elapsed - reports[i - 1].Elapsed).TotalSeconds).ToArray();
            double steps = plain.Average() * reports.Count;
            Console.WriteLine($"  run {r + 1}: wall {wall:F2} s, CPU {cpu:F2} s; gradient steps ~{steps:F2} s ({1000 * plain.Average():F1} ms per step of R copies), " +
                $"evaluations and setup ~{wall - steps:F2} s ({2 * grid.Count + 2} rollouts); k50 {result.AttackK50}; control {result.ControlK50}");
        }
        Console.WriteLine($"load average {LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// `perturb student`: the weight-noise sweep of the default bandit student (5 arms, hidden 32, H = 50; trained --train-steps
    /// steps: the cost does not depend on the weights) as <see cref="PerturbationSweep.Run"/> runs it: --points noise scales x
    /// --seeds noise seeds, agreement with UCB1 and regret to step 100 on --episodes episodes each. Prints wall and CPU time
    /// per repetition and the student env-steps per second (points x seeds x episodes x 100 pulls, plus the clean copy).
    /// </summary>
    static int Student(string[] args)
    {
        int threads = Int(args, "--threads", 2), repeat = Int(args, "--repeat", 1), episodes = Int(args, "--episodes", 1000);
        int points = Int(args, "--points", 24), seeds = Int(args, "--seeds", 16);
        using var student = LatentLab.Imitation.BanditTrainer.Train(new LatentLab.Imitation.BanditTrainingOptions { Steps = Int(args, "--train-steps", 1), Threads = threads }, CPU);
        using var subject = new StudentSubject("bench", student, episodes: episodes);
        var options = new PerturbationOptions { Points = points, Seeds = seeds, Threads = threads, NoiseMin = 0.01, NoiseMax = 3, Resamples = 200 };
        double envSteps = (points * (double)seeds + 1) * episodes * 100;
        if (args.Contains("--profile")) return ProfileStudent(student, subject, seeds, threads);
        Console.WriteLine($"bandit student (default: 5 arms, hidden 32, H = 50), weight noise: {points} points x {seeds} seeds x {episodes} episodes x 100 pulls " +
            $"({envSteps / 1e6:F1} M student env-steps), {threads} thread(s); load average {LoadAverage()}");
        for (int r = 0; r < repeat; r++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var curve = PerturbationSweep.Run(subject, options);
            double wall = clock.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            var s50 = curve.Halfway(StudentSubject.AgreementAfter);
            Console.WriteLine($"  run {r + 1}: wall {wall:F2} s, CPU {cpu:F2} s, {envSteps / wall / 1e6:F2} M env-steps/s wall ({envSteps / cpu / 1e6:F2} per CPU-s); " +
                $"s50(agreement_after_h) {s50.Value:0.####}; load average {LoadAverage()}");
        }
        return 0;
    }

    /// <summary>
    /// Where one grid point of the student sweep spends its time: one rollout of `seeds` stacked copies on the replicated
    /// episodes, split into the policy's Act (encoder + fused kernel + arm choice), its Observe, UCB1's labels and the pulls.
    /// </summary>
    static int ProfileStudent(LatentLab.Imitation.TrainedStudent student, StudentSubject subject, int seeds, int threads)
    {
        using var t = TorchRuntime.UseThreads(threads);
        var eps = WeightNoise.Draw(subject.Parameters.Select(p => p.Shape).ToArray(), seeds, 1, CPU);
        var clean = subject.Parameters.Select(p => p.Value).ToArray();
        var touched = clean.Select(_ => true).ToArray();
        var stacks = WeightNoise.Apply(clean, eps, touched, 0.1);
        for (int rep = 0; rep < 3; rep++)
        {
            var c = Stopwatch.StartNew();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            subject.Evaluate(stacks);
            Console.WriteLine($"  one point (Evaluate, {seeds} copies): wall {c.Elapsed.TotalMilliseconds:F0} ms, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds:F0} ms");
        }
        using var env = LatentLab.Bandits.BanditEnvironment.Create(new LatentLab.Bandits.BanditSpec(student.Arms), 1000, 100, 4242, CPU).Replicate(seeds);
        using var policy = new LatentLab.Imitation.StackedStudentPolicy(student.Network, stacks);
        double act = 0, observe = 0, ucb = 0, pull = 0;
        var total = Stopwatch.StartNew();
        using (no_grad())
        {
            env.Reset();
            policy.Reset(env.Batch, env.Spec.Arms, CPU, 1);
            for (int step = 0; step < 100; step++)
            {
                using var d = NewDisposeScope();
                var w = Stopwatch.StartNew();
                var actions = policy.Act(step);
                act += w.Elapsed.TotalMilliseconds; w.Restart();
                var best = LatentLab.Bandits.Ucb1Policy.BestArms(env.Statistics.Counts, env.Statistics.Sums, step);
                var agree = best.gather(1, actions.unsqueeze(1)).squeeze(1);
                ucb += w.Elapsed.TotalMilliseconds; w.Restart();
                var rewards = env.Pull(actions);
                pull += w.Elapsed.TotalMilliseconds; w.Restart();
                policy.Observe(actions, rewards);
                observe += w.Elapsed.TotalMilliseconds;
            }
        }
        Console.WriteLine($"  one rollout of {seeds} x 1000 episodes x 100 pulls, all copies in one batch: {total.Elapsed.TotalMilliseconds:F0} ms: " +
            $"Act {act:F0} ms, UCB1 labels {ucb:F0} ms, pulls {pull:F0} ms, Observe {observe:F0} ms");
        var x = policy;   // the encoder alone, as Act calls it
        var enc = Stopwatch.StartNew();
        for (int step = 1; step < 100; step++)
        {
            using var d = NewDisposeScope();
            using var ng = no_grad();
            var a = randint(0, 5, new long[] { env.Batch }, dtype: int64);
            student.Network.EncodeStep(a, rand(env.Batch), env.Batch, step, CPU, 5).squeeze(1).to(float32).contiguous();
        }
        Console.WriteLine($"    of Act, the encoder (EncodeStep) x 99: {enc.Elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }

    sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Times the pieces of one grid point (noise, forward pass, metrics) with K = seeds copies, 10 times each.</summary>
    static int Profile(PolicySubject subject, int seeds, int threads)
    {
        using var t = TorchRuntime.UseThreads(threads);
        var eps = WeightNoise.Draw(subject.Parameters.Select(p => p.Shape).ToArray(), seeds, 1, CPU);
        var clean = subject.Parameters.Select(p => p.Value).ToArray();
        var touched = clean.Select(_ => true).ToArray();
        double Time(Action a) { a(); var c = Stopwatch.StartNew(); for (int i = 0; i < 10; i++) a(); return c.Elapsed.TotalMilliseconds / 10; }
        Console.WriteLine($"  noise:    {Time(() => { using var d = NewDisposeScope(); WeightNoise.Apply(clean, eps, touched, 0.1); }):F1} ms");
        Console.WriteLine($"  evaluate: {Time(() => { using var d = NewDisposeScope(); subject.Evaluate(WeightNoise.Apply(clean, eps, touched, 0.1)); }):F1} ms");
        using var net = subject.Policy.Network.Replicate(seeds, "p");
        var policy = subject.Policy.With(net);
        Console.WriteLine($"  sequence log-probs: {Time(() => { using var d = NewDisposeScope(); using var ng = no_grad(); policy.SequenceLogProbs(subject.EvaluationSet); }):F1} ms");
        Tensor lp;
        using (no_grad()) lp = policy.SequenceLogProbs(subject.EvaluationSet);
        Console.WriteLine($"  metrics:  {Time(() => { AlignmentMetrics.Compute(policy.Environment, subject.EvaluationSet, lp, null); }):F1} ms");
        var e = subject.EvaluationSet.Encode().unsqueeze(0).expand(seeds, -1, -1);
        var x = randn(seeds, 256 * 17, 20);
        Console.WriteLine($"  forward of (K, 4352, 20) rows: {Time(() => { using var d = NewDisposeScope(); using var ng = no_grad(); net.Step(x, null); }):F1} ms");
        var h = randn(seeds, 256 * 17, 64);
        var w1 = randn(seeds, 64, 64);
        var b1 = randn(seeds, 1, 64);
        Console.WriteLine($"    of which (K, 4352, 64) x (K, 64, 64) matmul: {Time(() => { using var d = NewDisposeScope(); h.matmul(w1); }):F1} ms");
        Console.WriteLine($"    one flat (K*4352, 64) x (64, 64) mm: {Time(() => { using var d = NewDisposeScope(); h.view(-1, 64).mm(w1[0]); }):F1} ms");
        Console.WriteLine($"    tanh of (K, 4352, 64): {Time(() => { using var d = NewDisposeScope(); h.tanh(); }):F1} ms");
        Console.WriteLine($"    + bias: {Time(() => { using var d = NewDisposeScope(); var _ = h + b1; }):F1} ms");
        return 0;
    }

    static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    static string Get(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    static int Int(string[] args, string name, int fallback) => int.Parse(Get(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}
