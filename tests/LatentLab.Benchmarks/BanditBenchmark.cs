using System.Diagnostics;
using System.Globalization;
using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Imitation.Simd;
using LatentLab.Reports;
using LatentLab.Statistics;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Benchmarks;

/// <summary>
/// `bandits bench`: env-steps/s of training, classic policies and student rollouts, and time to the K=5 bar.
/// `bandits train-eval [--arms 5 --steps N --hidden 64 --batch 256 --lr 0.003 --dagger true --arch per-arm|joint
///   --time-input --episodes 4000 --long 500 --seed 0 --save path]`: trains, then evaluates on fresh episodes and prints
/// the quality-bar figures (student minus UCB1 regret at step 100 at K=5 and K=10, agreement with UCB1 before and after H).
/// `bandits time-to-bar [--steps-list 250,500,750,1000,1500]`: trains the default student with each step count (the
/// learning-rate schedule follows the count, as #!bandit-train --steps N does) and prints its training wall time and
/// its K=5 regret gap to UCB1 at step 100 (4000 fresh episodes), to find the shortest default training within 2%.
/// `bandits time-to-bar --during-default [--every 250]`: the default run itself, judged every 250 steps (clock paused).
/// `bandits report`: the README's whole bandit table in one run (see <see cref="Report"/>); `bandits rollouts`: rollout paths alone.
/// </summary>
public static class BanditBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        var device = TorchRuntime.ResolveDevice(Get(args, "--device", "cpu"));
        if (Get(args, "--threads", "") is { Length: > 0 } threads) torch.set_num_threads(int.Parse(threads));
        Console.WriteLine($"threads {torch.get_num_threads()}, device {device}");
        return args.FirstOrDefault() switch
        {
            "bench" => Bench(args, device),
            "train-eval" => TrainEval(args, device),
            "profile" => Profile(args, device),
            "time-to-bar" => TimeToBar(args, device),
            "rollouts" => Rollouts(args, device),
            "report" => Report(args, device),
            "kernel" => Kernel(args),
            "gradient" => GradientBench(args, device),
            "phases" => Phases(args, device),
            _ => Usage(),
        };
    }

    static int Usage()
    {
        Console.Error.WriteLine("usage: bandits report | bench | phases | gradient | kernel | rollouts | profile | time-to-bar | train-eval [options]");
        return 2;
    }

    static string Get(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    static double D(string[] a, string n, double f) => double.Parse(Get(a, n, f.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
    static int I(string[] a, string n, int f) => int.Parse(Get(a, n, f.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public static BanditTrainingOptions ParseTraining(string[] args)
    {
        var o = new BanditTrainingOptions { Threads = 0 };
        return o with
        {
            Arms = I(args, "--arms", o.Arms),
            Steps = I(args, "--steps", o.Steps),
            Hidden = I(args, "--hidden", o.Hidden),
            Layers = I(args, "--layers", o.Layers),
            HeadHidden = I(args, "--head-hidden", o.HeadHidden),
            Batch = I(args, "--batch", o.Batch),
            TrainHorizon = I(args, "--train-horizon", o.TrainHorizon),
            LearningRate = D(args, "--lr", o.LearningRate),
            Dagger = bool.Parse(Get(args, "--dagger", o.Dagger.ToString())),
            TeacherMixSteps = D(args, "--mix-steps", o.TeacherMixSteps),
            TeacherMixFinal = D(args, "--mix-final", o.TeacherMixFinal),
            Architecture = Get(args, "--arch", "per-arm") == "joint" ? StudentArchitecture.Joint : StudentArchitecture.PerArm,
            TimeInput = args.Contains("--time-input"),
            Teacher = BanditTrainingOptions.ParseTeacher(Get(args, "--teacher", "ucb1")),
            Seed = I(args, "--seed", 0),
            InverseTimeInput = args.Contains("--inverse-time") || (o.InverseTimeInput && !args.Contains("--no-inverse-time")),
            MinTrainArms = I(args, "--min-train-arms", o.MinTrainArms),
            MaxTrainArms = I(args, "--max-train-arms", o.MaxTrainArms),
            IndexLossWeight = D(args, "--index-loss", o.IndexLossWeight),
            IndexScale = D(args, "--index-scale", o.IndexScale),
            AverageDecay = D(args, "--average", o.AverageDecay),
            ProgressEvery = I(args, "--progress-every", 100),
        };
    }

    static int TrainEval(string[] args, Device device)
    {
        var options = ParseTraining(args);
        Console.WriteLine(options);
        Action<TrainingProgress> progress = p =>
            Console.WriteLine($"  step {p.Step,5}/{p.TotalSteps} loss {p.Loss:0.0000} agree {p.Agreement:0.000} mix {p.TeacherMix:0.00} " +
                              $"{p.EnvStepsPerSecond / 1e6:0.000} M env-steps/s elapsed {p.Elapsed.TotalSeconds:0.0}s eta {p.ToRunProgress().Eta?.TotalSeconds:0}s");
        using var student = KernelLikeThread.Run(args, () => BanditTrainer.Train(options, device, new SyncProgress<TrainingProgress>(progress), CancellationToken.None));
        Console.WriteLine($"trained in {student.TrainingTime.TotalSeconds:0.0} s: {student}");
        var save = Get(args, "--save", "");
        if (save != "") student.Save(save);

        int episodes = I(args, "--episodes", 4000);
        foreach (var k in Get(args, "--eval-arms", options.Arms.ToString(CultureInfo.InvariantCulture)).Split(',').Select(int.Parse))
        {
            var eval = StudentEvaluator.Evaluate(new BanditEvaluationOptions { Threads = 0, Arms = k, Horizon = 100, Episodes = episodes, Seed = 12345 }, student, device);
            PrintEvaluation(eval);
        }
        int longHorizon = I(args, "--long", 0);
        if (longHorizon > 100)
        {
            var longEval = StudentEvaluator.Evaluate(new BanditEvaluationOptions
            {
                Threads = 0, Horizon = longHorizon, Episodes = Math.Min(episodes, 2000), Seed = 777,
                Baselines = new[] { PolicyNames.Greedy, PolicyNames.Ucb1, PolicyNames.Thompson },
            }, student, device);
            Console.WriteLine($"long run: {longEval.Episodes} episodes to step {longHorizon} ({longEval.Elapsed.TotalSeconds:0.0} s)");
            foreach (var step in new[] { 50, 100, 200, 500, 1000 }.Where(s => s <= longHorizon))
                Console.WriteLine($"  step {step,4}: " + string.Join("  ", longEval.Curves.Select(c => $"{c.Policy} {c.At(step)}")) +
                                  $"  | student-ucb1 {longEval.StudentVsUcb1!.At(step)}");
            foreach (var s in longEval.Summaries)
                Console.WriteLine($"  {s.Policy,-10} agreement after H (51-{longHorizon}) {s.AgreementAfter}  per-step regret last 10 {s.PerStepRegretAtEnd}");
        }
        return 0;
    }

    public static void PrintEvaluation(BanditEvaluation e)
    {
        Console.WriteLine($"evaluation: K={e.Arms}, {e.Episodes} episodes, T={e.Horizon}, H={e.TrainHorizon} ({e.Elapsed.TotalSeconds:0.0} s)");
        Console.WriteLine($"  {"policy",-10} {"regret@H",-24} {"regret@T",-24} {"per-step 41-50",-24} {"per-step last10",-24} {"agree<=H",-24} {"agree>H",-24}");
        foreach (var s in e.Summaries)
            Console.WriteLine($"  {s.Policy,-10} {s.RegretAtTrainHorizon,-24} {s.RegretAtEnd,-24} {s.PerStepRegretBeforeH,-24} {s.PerStepRegretAtEnd,-24} {s.AgreementBefore,-24} {s.AgreementAfter,-24}");
        if (e.StudentVsUcb1 is { } d)
        {
            var ucb = e.Summary(PolicyNames.Ucb1).RegretAtEnd.Mean;
            var diff = d.At(e.Horizon);
            Console.WriteLine($"  student - ucb1 at T: {diff}  = {100 * diff.Mean / ucb:+0.0;-0.0}% of UCB1 [{100 * diff.Low / ucb:+0.0;-0.0}%, {100 * diff.High / ucb:+0.0;-0.0}%]");
            Console.WriteLine($"  student - ucb1 at H: {d.At(Math.Min(e.TrainHorizon, e.Horizon))}");
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and interleave output).</summary>
    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>
    /// `bandits profile [--batch 256 --arms 5 --reps 5]`: times the phases of one training step of the default student
    /// from outside the trainer: a student-only rollout (LSTM step + env pull), per-step UCB1 labels, and the gradient step.
    /// </summary>
    static int Profile(string[] args, Device device)
    {
        Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        var o = ParseTraining(args);
        using var pages = args.Contains("--default-malloc") ? null : NativeAllocator.KeepPagesMapped();
        bool tuned = pages?.Active == true;
        Console.WriteLine($"glibc malloc thresholds raised (NativeAllocator): {tuned}");
        int reps = I(args, "--reps", 5), h = o.TrainHorizon;
        var spec = o.Spec;
        torch.manual_seed(0);
        var network = StudentNetwork.Create(o);
        network.to(device);
        using var optimizer = optim.Adam(network.parameters(), o.LearningRate);
        using var gen = new Generator(1, device);
        double tAct = 0, tPull = 0, tLabels = 0, tGrad = 0, tFwd = 0;
        for (int rep = 0; rep <= reps; rep++)
        {
            using var scope = NewDisposeScope();
            using var env = new BanditEnvironment(spec, o.Batch, h, gen, device);
            var actions = new List<Tensor>();
            var rewards = new List<Tensor>();
            double act = 0, pull = 0, lab = 0;
            using (no_grad())
            {
                network.eval();
                using var student = new StudentPolicy(network);
                student.Reset(o.Batch, spec.Arms, device, 0);
                for (int t = 0; t < h; t++)
                {
                    var c = Stopwatch.StartNew();
                    var (label, _, _) = TeacherLabels.Compute(o.Teacher, env.Statistics, t, spec, o.ThompsonLabelSamples, gen);
                    _ = label.sum().item<float>();
                    lab += c.Elapsed.TotalSeconds; c.Restart();
                    var a = student.Act(t);
                    _ = a.sum().item<long>();
                    act += c.Elapsed.TotalSeconds; c.Restart();
                    var r = env.Pull(a);
                    student.Observe(a, r);
                    _ = r.sum().item<float>();
                    pull += c.Elapsed.TotalSeconds;
                    actions.Add(a);
                    rewards.Add(r);
                }
            }
            var clock = Stopwatch.StartNew();
            network.train();
            var acts = stack(actions, 1);
            var logits = network.Forward(network.EncodeSequence(acts, stack(rewards, 1), spec.Arms));
            var target = nn.functional.one_hot(acts, spec.Arms).to(float32);
            var loss = -(target * nn.functional.log_softmax(logits, -1)).sum(-1).mean();
            _ = loss.item<float>();
            double fwd = clock.Elapsed.TotalSeconds;
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            _ = loss.item<float>();
            double grad = clock.Elapsed.TotalSeconds;
            if (rep > 0) tFwd += fwd;
            if (rep == 0) continue;                                                    // warm-up
            tAct += act; tPull += pull; tLabels += lab; tGrad += grad;
        }
        Console.WriteLine($"per training step (B={o.Batch}, K={spec.Arms}, H={h}, hidden {o.Hidden}, head {o.HeadHidden}; mean of {reps}):");
        Console.WriteLine($"  student act {1000 * tAct / reps,7:0.0} ms  env pull+observe {1000 * tPull / reps,7:0.0} ms  UCB1 labels {1000 * tLabels / reps,7:0.0} ms  gradient step {1000 * tGrad / reps,7:0.0} ms (forward {1000 * tFwd / reps:0.0} ms)");
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>
    /// `bandits rollouts [--threads-list 1,2]`: student rollout env-steps/s of the default student (K=5, 4096 episodes x 100
    /// pulls, best of 5, agreement tracking off): StudentPolicy (nn.LSTM per step, the old path), StackedStudentPolicy with one
    /// copy, and 16 stacked copies on 1024 episodes each (a perturbation sweep's shape; env-steps of all copies counted).
    /// </summary>
    static int Rollouts(string[] args, Device device)
    {
        Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        var o = ParseTraining(args);
        using var student = BanditTrainer.Train(o with { Arms = 5, Steps = 1, Threads = 1 }, device);
        long blockRows = long.Parse(Get(args, "--block-rows", StackedStudentPolicy.DefaultBlockRows.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        Console.WriteLine($"stacked policy: {blockRows} LSTM rows per block (0 = all)");
        foreach (var rate in RolloutRates(student, device, Get(args, "--threads-list", "1,2").Split(',').Select(int.Parse), I(args, "--reps", 5), blockRows))
            Console.WriteLine($"  threads {rate.Threads}  {rate.Path,-34} {rate.MSteps,8:0.00} M env-steps/s wall ({rate.Ms:0} ms per {rate.Steps / 1e6:0.00} M env-steps), {rate.MStepsCpu,8:0.00} M per CPU-second");
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>
    /// `bandits phases [--steps 200 --threads-list 1,2 --rounds 2 --tensor-rollout]`: the trainer itself (default options but
    /// --steps) timed by phase: the DAgger rollout, the gradient step, clip + Adam + the weights' average, at each thread count,
    /// with the managed training pass (FusedLstmTraining) and with torch's autograd through nn.LSTM, alternated round by round,
    /// both with the managed DAgger rollout (FusedRollouts); --tensor-rollout adds the tensor rollout with torch's gradient.
    /// The rollouts give the same bits, so those rows print the same loss and agreement; the managed gradient sums in another
    /// order, so its rows differ in the last digits.
    /// </summary>
    static int Phases(string[] args, Device device)
    {
        Console.WriteLine($"bandits phases, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        var o = ParseTraining(args) with { Steps = I(args, "--steps", 200) };
        var threadCounts = Get(args, "--threads-list", "1,2").Split(',').Select(int.Parse).ToArray();
        int rounds = I(args, "--rounds", 2);
        var variants = new List<(string Name, bool FusedRollout, bool ManagedGradient)> { ("fused  / managed", true, true), ("fused  / torch", true, false) };
        if (args.Contains("--tensor-rollout")) variants.Add(("tensor / torch", false, false));
        Console.WriteLine($"{o.Steps} steps x {o.Batch} episodes x {o.TrainHorizon} pulls, K from {o.MinTrainArms}..{o.TrainArmsHigh}, hidden {o.Hidden}, head {o.HeadHidden}");
        Console.WriteLine("threads  rollout / gradient | rollout s | gradient s | update s | total s | M env-steps/s | final loss, agreement");
        for (int round = 0; round < rounds; round++)
            foreach (int threads in threadCounts)
                foreach (var (name, fusedRollout, managedGradient) in variants)
                {
                    bool rolloutBefore = LatentLab.Imitation.Simd.FusedRollouts.Enabled, gradientBefore = LatentLab.Imitation.Simd.FusedLstmTraining.Enabled;
                    LatentLab.Imitation.Simd.FusedRollouts.Enabled = fusedRollout;
                    LatentLab.Imitation.Simd.FusedLstmTraining.Enabled = managedGradient;
                    try
                    {
                        var phases = new BanditTrainer.TrainingPhases();
                        using var student = BanditTrainer.Train(o with { Threads = threads }, device, null, CancellationToken.None, 0, null, phases);
                        double total = student.TrainingTime.TotalSeconds;
                        var last = student.History[^1];
                        Console.WriteLine($"{threads,7}  {name,-17} | {phases.Rollout.TotalSeconds,9:0.00} | {phases.Gradient.TotalSeconds,10:0.00} | " +
                                          $"{phases.Update.TotalSeconds,8:0.00} | {total,7:0.00} | {o.Steps * (double)o.Batch * o.TrainHorizon / total / 1e6,13:0.000} | {last.Loss:0.0000}, {last.Agreement:0.0000}");
                    }
                    finally
                    {
                        LatentLab.Imitation.Simd.FusedRollouts.Enabled = rolloutBefore;
                        LatentLab.Imitation.Simd.FusedLstmTraining.Enabled = gradientBefore;
                    }
                }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>
    /// `bandits gradient [--episodes 128 --arms 5 --reps 10 --threads-list 1,2]`: one gradient step of the default student on
    /// fixed random episodes (T = 50, the index loss on), the managed training pass against torch's autograd through nn.LSTM,
    /// alternated rep by rep: median wall ms per step, CPU ms, GFLOP/s of the managed pass (multiply-adds counted from the
    /// shapes), and how far the two gradients are apart (largest difference over the largest entry).
    /// </summary>
    static int GradientBench(string[] args, Device device)
    {
        Console.WriteLine($"bandits gradient, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        int episodes = I(args, "--episodes", 128), arms = I(args, "--arms", 5), reps = I(args, "--reps", 10);
        var o = ParseTraining(args) with { Batch = episodes };
        int horizon = o.TrainHorizon;
        using var network = StudentNetwork.Create(o, seed: 1);
        network.train();
        var parameters = network.parameters().Cast<torch.Tensor>().ToList();
        using var g = new torch.Generator(5, torch.CPU);
        using var actions = torch.randint(0, arms, new long[] { episodes, horizon }, dtype: torch.int64, generator: g);
        using var rewards = torch.randint(0, 2, new long[] { episodes, horizon }, dtype: torch.float32, generator: g);
        using var labels = torch.nn.functional.one_hot(torch.randint(0, arms, new long[] { episodes, horizon }, dtype: torch.int64, generator: g), arms).to(torch.float32);
        using var indices = torch.rand(new long[] { episodes, horizon, arms }, generator: g);
        long rowSteps = (long)episodes * arms * horizon;
        int f = network.InputSize, h = o.Hidden, hh = o.HeadHidden;
        // multiply-adds per LSTM row and step: forward gates and head, backward head, gates' gradient products, dh
        double macs = (f + h) * 4.0 * h + h * hh + hh + (hh + h * hh + hh + h * hh) + (h * 4.0 * h + (f + 1) * 4.0 * h) + 4.0 * h * h;
        Console.WriteLine($"{episodes} episodes x {arms} arms x {horizon} steps = {rowSteps} LSTM row-steps; hidden {h}, head {hh}, inputs {f}; ~{2 * macs * rowSteps / 1e9:0.00} GFLOP per step");
        foreach (int threads in Get(args, "--threads-list", "1,2").Split(',').Select(int.Parse))
        {
            using var scope = TorchRuntime.UseThreads(threads);
            using var workers = threads > 1 ? LatentLab.Torch.PartWorkers.SingleThreadedTorch(threads) : null;
            var buffers = new BanditTrainer.FusedTrainingBuffers(threads);
            var times = new Dictionary<bool, List<(double Wall, double Cpu)>> { [true] = new(), [false] = new() };
            var grads = new Dictionary<bool, float[][]>();
            for (int rep = -1; rep < reps; rep++)
                foreach (bool managed in new[] { true, false })
                {
                    bool before = LatentLab.Imitation.Simd.FusedLstmTraining.Enabled;
                    LatentLab.Imitation.Simd.FusedLstmTraining.Enabled = managed;
                    try
                    {
                        foreach (var p in parameters) p.grad?.zero_();
                        var cpu0 = CpuTime();
                        long t0 = Stopwatch.GetTimestamp();
                        var (completed, _, _) = BanditTrainer.GradientStep(network, parameters, actions, rewards, labels, indices, arms, horizon, o, threads,
                            CancellationToken.None, workers, buffers);
                        double wall = Stopwatch.GetElapsedTime(t0).TotalMilliseconds, cpu = (CpuTime() - cpu0).TotalMilliseconds;
                        if (!completed) throw new InvalidOperationException("the gradient step did not complete");
                        if (rep >= 0) times[managed].Add((wall, cpu));
                        grads[managed] = parameters.Select(p => p.grad!.data<float>().ToArray()).ToArray();
                    }
                    finally { LatentLab.Imitation.Simd.FusedLstmTraining.Enabled = before; }
                }
            static double Median(IEnumerable<double> xs) => LlmBenchmark.Median(xs.ToArray());
            double largest = grads[false].Max(x => x.Max(Math.Abs));
            double gap = grads[false].Zip(grads[true], (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
            double mWall = Median(times[true].Select(t => t.Wall)), tWall = Median(times[false].Select(t => t.Wall));
            Console.WriteLine($"  threads {threads}: managed {mWall,7:0.0} ms wall ({Median(times[true].Select(t => t.Cpu)),7:0.0} ms CPU, {2 * macs * rowSteps / (mWall * 1e6):0.0} GFLOP/s), " +
                              $"torch {tWall,7:0.0} ms wall ({Median(times[false].Select(t => t.Cpu)),7:0.0} ms CPU): {tWall / mWall:0.00}x; gradients apart by {gap / largest:0.0e0} of the largest entry");
        }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>
    /// `bandits kernel [--rows 20480 --hidden 32 --head-hidden 32 --inputs 3 --steps 100 --scalar]`: the fused LSTM step alone
    /// (random weights and inputs, one thread, no torch op): ns of CPU time per LSTM row and step.
    /// </summary>
    static unsafe int Kernel(string[] args)
    {
        int rows = I(args, "--rows", 20480), hidden = I(args, "--hidden", 32), head = I(args, "--head-hidden", 32), inputs = I(args, "--inputs", 3), steps = I(args, "--steps", 100);
        var rng = new Random(1);
        float[] R(long n, float scale) => Enumerable.Range(0, (int)n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
        var shapes = head > 0 ? new[] { (hidden, head), (head, 1) } : new[] { (hidden, 1) };
        var kernel = new LatentLab.Imitation.Simd.FusedLstmRollout(1, inputs, hidden,
            new[] { R(inputs * 4 * hidden, 0.5f) }, new[] { R(hidden * 4 * hidden, 0.3f) }, new[] { R(4 * hidden, 0.1f) },
            shapes, shapes.Select(s => R(s.Item1 * s.Item2, 0.3f)).ToArray(), shapes.Select(s => R(s.Item2, 0.1f)).ToArray(), vector: !args.Contains("--scalar"));
        var (h, c) = kernel.NewState(rows);
        var scratch = kernel.NewScratch();
        var x = GC.AllocateArray<float>(rows * inputs, pinned: true);
        R(rows * inputs, 1f).CopyTo(x, 0);
        var scores = GC.AllocateArray<float>(rows * kernel.Outputs, pinned: true);
        fixed (float* xp = x, sp = scores)
        {
            for (int warm = 0; warm < 3; warm++) kernel.Step(0, 0, rows, xp, h, c, sp, warm == 0, scratch);
            // Repeats of `steps` steps each: this VM's speed moves by tens of percent from one second to the next, so the
            // fastest repeat (the least disturbed) and the median are both printed.
            var perRow = new List<double>();
            for (int rep = 0; rep < I(args, "--repeats", 7); rep++)
            {
                var cpu0 = CpuTime();
                for (int t = 0; t < steps; t++) kernel.Step(0, 0, rows, xp, h, c, sp, false, scratch);
                perRow.Add((CpuTime() - cpu0).TotalSeconds * 1e9 / ((double)rows * steps));
            }
            string isa = !kernel.Vector ? "scalar" : kernel.Wide ? "AVX2+FMA tiles, AVX-512 cell" : "AVX2+FMA";
            Console.WriteLine($"fused step ({isa}): {perRow.Min():0.0} ns CPU per row at best, median {LlmBenchmark.Median(perRow.ToArray()):0.0} over {perRow.Count} repeats " +
                $"of {steps} steps (hidden {hidden}, head {head}, inputs {inputs}); checksum {scores.Sum():0.000}");
        }
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    internal record RolloutRate(int Threads, string Path, double MSteps, double Ms, long Steps, double MStepsCpu);

    internal static List<RolloutRate> RolloutRates(TrainedStudent student, Device device, IEnumerable<int> threadCounts, int reps, long blockRows = StackedStudentPolicy.DefaultBlockRows)
    {
        var spec = new BanditSpec(5);
        var rates = new List<RolloutRate>();
        using var env = BanditEnvironment.Create(spec, 4096, 100, 1, device);
        using var small = BanditEnvironment.Create(spec, 1024, 100, 2, device);
        using var replicated = small.Replicate(16);
        foreach (int threads in threadCounts)
        {
            using var scope = TorchRuntime.UseThreads(threads);
            var one = student.Network.parameters().Select(p => p.detach().unsqueeze(0)).ToList();
            var stacks = student.Network.parameters().Select(p => stack(Enumerable.Repeat(p.detach(), 16).ToArray())).ToList();
            var paths = new List<(string Path, BanditEnvironment Env, Func<IBanditPolicy> Create)>
            {
                ("student (nn.LSTM per step)", env, () => new StudentPolicy(student.Network)),
                ("stacked torch ops, 1 copy", env, () => new StackedStudentPolicy(student.Network, one) { BlockRows = blockRows, Path = StudentRolloutPath.Torch }),
                ("stacked torch ops, 16 x 1024", replicated, () => new StackedStudentPolicy(student.Network, stacks) { BlockRows = blockRows, Path = StudentRolloutPath.Torch }),
                ("stacked fused, 1 copy", env, () => StackedStudentPolicy.Of(student.Network, blockRows)),
                ("stacked fused, 16 x 1024", replicated, () => new StackedStudentPolicy(student.Network, stacks) { BlockRows = blockRows }),
            };
            if (LatentLab.Imitation.Simd.LstmActivations.WideSupported)     // the same kernel without its AVX-512 cell update
                paths.Add(("stacked fused 8 lanes, 16 x 1024", replicated, () => new StackedStudentPolicy(student.Network, stacks) { BlockRows = blockRows, Path = StudentRolloutPath.FusedEightLanes }));
            // Best of the repeats per path, the paths alternated within each repeat: this VM's speed drifts by tens of
            // percent over seconds, and alternating spreads a slow spell over every path instead of one.
            var best = paths.Select(_ => (Wall: double.MaxValue, Cpu: double.MaxValue)).ToArray();
            for (int rep = 0; rep < reps; rep++)
                for (int i = 0; i < paths.Count; i++)
                {
                    using var policy = paths[i].Create();
                    var cpu0 = CpuTime();
                    var clock = Stopwatch.StartNew();
                    using var trace = BanditRollout.Run(paths[i].Env, policy, 100, rep, trackAgreement: false);
                    _ = trace.Regret.sum().item<float>();
                    best[i] = (Math.Min(best[i].Wall, clock.Elapsed.TotalSeconds), Math.Min(best[i].Cpu, (CpuTime() - cpu0).TotalSeconds));
                }
            for (int i = 0; i < paths.Count; i++)
            {
                long steps = paths[i].Env.Batch * 100;
                rates.Add(new RolloutRate(threads, paths[i].Path, steps / best[i].Wall / 1e6, best[i].Wall * 1000, steps, steps / best[i].Cpu / 1e6));
            }
            foreach (var t in one) t.Dispose();
            foreach (var t in stacks) t.Dispose();
        }
        return rates;
    }

    /// <summary>
    /// `bandits report [--seeds 0,1,2 --every 250 --episodes 4000 --threads-list 1,2 --steps N]`: everything the README's
    /// bandit table holds, in one run: the load average, the PyTorch peer (Debian's python3-torch, textbook LSTM step) beside
    /// TorchSharp's same network at 1 and 2 threads, the default student's training env-steps/s at 1 and 2 threads, student
    /// rollouts at 1 and 2 threads, and for every seed the default #!bandit-train run (default options, so every core) judged
    /// every --every steps with its clock paused: the first training time after which every K=5 bar (and every K=10 bar) holds
    /// at that check and every later one, and the run's total training time.
    /// </summary>
    static int Report(string[] args, Device device)
    {
        string Load() => File.ReadAllText("/proc/loadavg").Trim();
        Console.WriteLine($"bandits report, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores; load average at start: {Load()}");
        var threadCounts = Get(args, "--threads-list", "1,2").Split(',').Select(int.Parse).ToArray();
        int evalSeed = I(args, "--eval-seed", 12345);
        bool barsOnly = args.Contains("--bars-only");
        if (barsOnly) goto bars;

        Console.WriteLine("1. textbook joint LSTM gradient step (hidden 64, batch 256, T 50, K 5; env-steps/s = 256 x 50 / median step time)");
        foreach (int t in threadCounts)
        {
            var o = new BanditTrainingOptions { Arms = 5, Hidden = 64, HeadHidden = 0, Batch = 256, Steps = 11, ProgressEvery = 1, Threads = t,
                Architecture = StudentArchitecture.Joint, TimeInput = true, MinTrainArms = 0, AverageDecay = 0 };
            Console.WriteLine($"  threads {t}: TorchSharp (the trainer, rollout included) {TrainingRate(o, device).Wall:0.000} M/s wall;  PyTorch (step only) {PyTorchRate(t)}");
        }
        var d = new BanditTrainingOptions();
        Console.WriteLine($"2. default per-arm student training (hidden {d.Hidden}, head {d.HeadHidden}, batch {d.Batch}, K {d.MinTrainArms}..{d.TrainArmsHigh}; first step excluded)");
        foreach (int t in threadCounts)
        {
            var (wall, cpu) = TrainingRate(new BanditTrainingOptions { Steps = 41, ProgressEvery = 1, Threads = t }, device);
            Console.WriteLine($"  threads {t}: {wall:0.000} M env-steps/s wall, {cpu:0.000} M per CPU-second");
        }
        Console.WriteLine("3. student rollouts (default student, 4096 episodes x 100 pulls, best of 3)");
        using (var student = BanditTrainer.Train(new BanditTrainingOptions { Steps = 1, Threads = 1 }, device))
            foreach (var r in RolloutRates(student, device, threadCounts, 3))
                Console.WriteLine($"  threads {r.Threads}  {r.Path,-34} {r.MSteps,8:0.00} M env-steps/s wall, {r.MStepsCpu,8:0.00} M per CPU-second");
        Console.WriteLine($"   load average now: {Load()}");

        bars:
        int every = I(args, "--every", 250), episodes = I(args, "--episodes", 4000);
        // --bars-only: only section 4, with the training options on the line (ParseTraining: --threads sets the process's
        // count), and --eval-seed to judge on other episodes than the report's (tune there, never on 12345).
        var defaults = barsOnly ? ParseTraining(args) with { ProgressEvery = 0 } : new BanditTrainingOptions();
        if (Get(args, "--steps", "") is { Length: > 0 }) defaults = defaults with { Steps = I(args, "--steps", defaults.Steps) };
        if (barsOnly) Console.WriteLine(defaults);
        Console.WriteLine($"4. default #!bandit-train ({defaults.Steps} steps, {defaults.Threads} threads), judged every {every} steps on {episodes} fresh episodes " +
                          $"(evaluation seed {evalSeed}, never a training seed) at K=5 (bars: regret at 100 within 2% of UCB1's, CI included; per-step regret " +
                          "of steps 91-100 below that of 41-50; agreement with UCB1 after step 50 >= 0.8) and K=10 (5%, falling, 0.7)");
        foreach (var seed in Get(args, "--seeds", "0,1,2").Split(',').Select(int.Parse))
        {
            var checks = new List<(int Step, double Seconds, bool K5, bool K10, string Text)>();
            void Check(TrainedStudent s)
            {
                var (k5, t5) = Bars(s, 5, 0.02, 0.8, episodes, device, evalSeed);
                var (k10, t10) = Bars(s, 10, 0.05, 0.7, episodes, device, evalSeed);
                checks.Add((s.StepsCompleted, s.TrainingTime.TotalSeconds, k5, k10, $"K=5 {t5}  K=10 {t10}"));
                Console.WriteLine($"    seed {seed} step {s.StepsCompleted,5} {s.TrainingTime.TotalSeconds,7:0.0} s  {checks[^1].Text}");
            }
            using var final = BanditTrainer.Train(defaults with { Seed = seed }, device, null, CancellationToken.None, every, Check);
            Check(final);
            string Stays(Func<(int, double, bool K5, bool K10, string), bool> bar)
            {
                int from = checks.Count;
                while (from > 0 && bar(checks[from - 1])) from--;
                return from == checks.Count ? "not met at the end" : $"from step {checks[from].Step} ({checks[from].Seconds:0.0} s of training) on";
            }
            Console.WriteLine($"  seed {seed}: every K=5 bar {Stays(c => c.K5)}; every K=10 bar {Stays(c => c.K10)}; default training time {final.TrainingTime.TotalSeconds:0.0} s");
        }
        Console.WriteLine($"load average at end: {Load()}");
        return 0;
    }

    /// <summary>Every quality bar at K=<paramref name="arms"/>, and a one-line account of the figures.</summary>
    static (bool Met, string Text) Bars(TrainedStudent s, int arms, double regretShare, double agreement, int episodes, Device device, int evalSeed)
    {
        var e = StudentEvaluator.Evaluate(new BanditEvaluationOptions { Threads = 0, Arms = arms, Horizon = 100, Episodes = episodes, Seed = evalSeed,
            Baselines = new[] { PolicyNames.Ucb1 } }, s, device);
        var gap = e.StudentVsUcb1!.At(100);
        double ucb = e.Summary(PolicyNames.Ucb1).RegretAtEnd.Mean;
        var st = e.Summary("student");
        bool within = Math.Abs(gap.Low) <= regretShare * ucb && Math.Abs(gap.High) <= regretShare * ucb;
        bool falling = st.PerStepRegretAtEnd.Mean < st.PerStepRegretBeforeH!.Mean;
        bool agrees = st.AgreementAfter!.Mean >= agreement;
        return (within && falling && agrees,
            $"{Pct(gap.Mean / ucb)}% [{Pct(gap.Low / ucb)}, {Pct(gap.High / ucb)}] {(within ? "ok" : "NO")}, " +
            $"per-step {st.PerStepRegretBeforeH.Mean:0.000}->{st.PerStepRegretAtEnd.Mean:0.000} {(falling ? "ok" : "NO")}, agree {st.AgreementAfter.Mean:0.00} {(agrees ? "ok" : "NO")}");
    }

    /// <summary>A share as a signed percentage with one decimal (+0.0 for anything that rounds to zero).</summary>
    static string Pct(double share)
    {
        double r = Math.Round(100 * share, 1);
        return r == 0 ? "+0.0" : r.ToString("+0.0;-0.0", CultureInfo.InvariantCulture);
    }

    /// <summary>M env-steps/s of a short training run (wall and per CPU-second), first step excluded.</summary>
    static (double Wall, double Cpu) TrainingRate(BanditTrainingOptions o, Device device)
    {
        var reports = new List<TrainingProgress>();
        var cpuAt = new List<TimeSpan>();
        using var s = BanditTrainer.Train(o, device, new SyncProgress<TrainingProgress>(p => { reports.Add(p); cpuAt.Add(CpuTime()); }));
        double seconds = (reports[^1].Elapsed - reports[0].Elapsed).TotalSeconds, cpu = (cpuAt[^1] - cpuAt[0]).TotalSeconds;
        double envSteps = (reports[^1].Step - reports[0].Step) * (double)o.Batch * o.TrainHorizon;
        return (envSteps / seconds / 1e6, envSteps / cpu / 1e6);
    }

    /// <summary>The PyTorch peer (tests/LatentLab.Benchmarks/bandit_lstm_torch.py under /usr/bin/python3), or why it did not run.</summary>
    static string PyTorchRate(int threads)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "bandit_lstm_torch.py");
        if (!File.Exists(script)) return $"not run ({script} missing)";
        try
        {
            using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3", $"\"{script}\" {threads}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = p.StandardOutput.ReadToEnd();
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            var parts = output.Trim().Split(' ');
            return p.ExitCode == 0 && parts.Length == 3
                ? $"{double.Parse(parts[2], CultureInfo.InvariantCulture) / 1e6:0.000} M/s wall"
                : $"not run (exit {p.ExitCode}: {error.Trim().Split('\n').LastOrDefault()}; apt-get install python3-torch)";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"not run ({ex.Message}; apt-get install python3 python3-torch)";
        }
    }

    /// <summary>CPU time used by this process so far (all threads).</summary>
    static TimeSpan CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    static int Bench(string[] args, Device device)
    {
        Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()} (other processes share these cores)");
        var baseOptions = ParseTraining(args);
        Console.WriteLine("training env-steps/s (K=5, horizon 50, episodes x pulls per second of wall time; first step excluded)");
        Console.WriteLine("(wall: per second of wall time, shared cores; cpu: per second of this process's CPU time, ~ an idle core)");
        Console.WriteLine($"  {"architecture",-8} {"hidden",6} {"batch",6} {"steps",6} {"M/s wall",14} {"M/s cpu",14}");
        foreach (var arch in new[] { baseOptions.Architecture, StudentArchitecture.Joint }.Distinct())
        foreach (var hidden in new[] { 64, 128 })
            foreach (var batch in new[] { 256, 1024 })
            {
                int steps = hidden * batch >= 128 * 1024 ? 3 : hidden * batch >= 64 * 1024 || hidden * batch >= 128 * 256 ? 4 : 8;
                var o = baseOptions with { Arms = 5, TrainHorizon = 50, Hidden = hidden, Batch = batch, Steps = steps + 1, ProgressEvery = 1, Architecture = arch };
                if (arch == StudentArchitecture.Joint) o = o with { HeadHidden = 0 };
                var reports = new List<TrainingProgress>();
                var cpuAtReport = new List<TimeSpan>();
                using var s = BanditTrainer.Train(o, device, new SyncProgress<TrainingProgress>(p => { reports.Add(p); cpuAtReport.Add(CpuTime()); }));
                double seconds = (reports[^1].Elapsed - reports[0].Elapsed).TotalSeconds;
                double cpu = (cpuAtReport[^1] - cpuAtReport[0]).TotalSeconds;
                Console.WriteLine($"  {o.Architecture,-8} {hidden,6} {batch,6} {steps,6} {steps * (double)batch * 50 / seconds / 1e6,14:0.000} {steps * (double)batch * 50 / cpu / 1e6,14:0.000}");
            }

        Console.WriteLine("evaluation env-steps/s (batch 4096, horizon 100, K=5, best of 5; agreement tracking off)");
        var spec = new BanditSpec(5);
        using var env = BanditEnvironment.Create(spec, 4096, 100, 1, device);
        using var student = BanditTrainer.Train(baseOptions with { Arms = 5, Steps = 1 }, device);
        var policies = PolicyNames.Classic.Select(n => PolicyNames.Create(n, spec)).Append(student.CreatePolicy())
            .Select(p => (p.Name, p)).ToList();
        // The evaluation path (StudentEvaluator, perturbation sweeps): the stacked policy, fused C# kernel and torch ops.
        policies.Add(("student, stacked fused (evaluation path)", StackedStudentPolicy.Of(student.Network)));
        policies.Add(("student, stacked torch ops", new StackedStudentPolicy(student.Network, student.Network.parameters().Select(p => p.detach().unsqueeze(0)).ToList()) { Path = StudentRolloutPath.Torch }));
        foreach (var (name, policy) in policies)
        {
            double best = double.MaxValue, bestCpu = double.MaxValue;
            for (int rep = 0; rep < 5; rep++)
            {
                var cpu0 = CpuTime();
                var clock = Stopwatch.StartNew();
                using var trace = BanditRollout.Run(env, policy, 100, rep, trackAgreement: false);
                _ = trace.Regret.sum().item<float>();
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
                bestCpu = Math.Min(bestCpu, (CpuTime() - cpu0).TotalSeconds);
            }
            Console.WriteLine($"  {name,-40} {4096 * 100 / best / 1e6,8:0.00} M env-steps/s wall ({best * 1000:0} ms per 4096 x 100), {4096 * 100 / bestCpu / 1e6,8:0.00} M per CPU-second");
            policy.Dispose();
        }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    static int TimeToBar(string[] args, Device device)
    {
        Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        var baseOptions = ParseTraining(args);
        int episodes = I(args, "--episodes", 4000);
        (MeanCi Gap, double Ucb, PolicySummary Student) Judge(TrainedStudent s)
        {
            var e = StudentEvaluator.Evaluate(new BanditEvaluationOptions { Threads = 0, Arms = 5, Horizon = 100, Episodes = episodes, Seed = 12345,
                Baselines = new[] { PolicyNames.Ucb1 } }, s, device);
            return (e.StudentVsUcb1!.At(100), e.Summary(PolicyNames.Ucb1).RegretAtEnd.Mean, e.Summary("student"));
        }
        static bool Within(MeanCi d, double ucb) => Math.Abs(d.Low) <= 0.02 * ucb && Math.Abs(d.High) <= 0.02 * ucb;
        if (args.Contains("--during-default"))
        {
            // The default run itself, judged every --every steps (its learning-rate schedule is the full run's).
            int every = I(args, "--every", 250);
            Console.WriteLine($"default run ({baseOptions.Steps} steps), judged every {every} steps on {episodes} fresh K=5 episodes; training clock paused while judging");
            Console.WriteLine($"  {"step",6} {"train s",8} {"student - ucb1 at 100 (% of UCB1, 95% CI)",-44} {"agree 51-100",-22} {"within 2%",9}");
            void Print(int step, TimeSpan t, (MeanCi Gap, double Ucb, PolicySummary Student) j) =>
                Console.WriteLine($"  {step,6} {t.TotalSeconds,8:0.0} {$"{100 * j.Gap.Mean / j.Ucb:+0.0;-0.0}% [{100 * j.Gap.Low / j.Ucb:+0.0;-0.0}, {100 * j.Gap.High / j.Ucb:+0.0;-0.0}]",-44} " +
                                  $"{j.Student.AgreementAfter,-22} {(Within(j.Gap, j.Ucb) ? "yes" : "no"),9}");
            using var final = BanditTrainer.Train(baseOptions, device, null, CancellationToken.None, every, s => Print(s.StepsCompleted, s.TrainingTime, Judge(s)));
            Print(final.StepsCompleted, final.TrainingTime, Judge(final));
            return 0;
        }
        var stepsList = Get(args, "--steps-list", "250,500,750,1000,1500").Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture));
        Console.WriteLine($"  {"steps",6} {"train s",8} {"student - ucb1 at 100 (% of UCB1, 95% CI)",-44} {"agree 51-100",-22} {"within 2%",9}");
        foreach (var steps in stepsList)
        {
            using var student = BanditTrainer.Train(baseOptions with { Steps = steps }, device);
            var (d, ucb, summary) = Judge(student);
            Console.WriteLine($"  {steps,6} {student.TrainingTime.TotalSeconds,8:0.0} {$"{100 * d.Mean / ucb:+0.0;-0.0}% [{100 * d.Low / ucb:+0.0;-0.0}, {100 * d.High / ucb:+0.0;-0.0}]",-44} " +
                              $"{summary.AgreementAfter,-22} {(Within(d, ucb) ? "yes" : "no"),9}");
        }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }
}
