using System.Diagnostics;
using System.Globalization;
using LatentLab.Imitation;
using LatentLab.LanguageModels;
using LatentLab.Models;
using LatentLab.Perturbation;
using LatentLab.Probes;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Benchmarks;

/// <summary>
/// `interrupt [--repeats 3] [--only NAME] [--fixtures /work/shared/fixtures/llm]`: how long each command's science takes to
/// return after a Cancel, at its default options (what a notebook cell does between the interrupt and the end of the cell,
/// minus binding, which is immediate). Each command runs on a pool thread (as a kernel runs a cell), is cancelled after
/// 1.5, 2.6 and 3.7 s (so the interrupt lands at different points of a step), and the time from Cancel() to the return is
/// printed, with the command's own step time for comparison. Prints median and max per command.
/// </summary>
public static class InterruptBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        int repeats = Arg(args, "--repeats", 3);
        string? only = Get(args, "--only");
        string fixtures = Get(args, "--fixtures") ?? "/work/shared/fixtures/llm";
        Console.WriteLine($"interrupt latency at default options; load average: {File.ReadAllText("/proc/loadavg").Trim()}; torch threads {get_num_threads()}");

        // Inputs some commands need, made once (small, not timed).
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        var reference = ReferenceBaker.Bake(env, new BakeOptions { MaxSteps = 50 }).Policy;
        var student = BanditTrainer.Train(new BanditTrainingOptions { Steps = 5, Batch = 16 }, CPU);
        // The shape of a default #!cot-synthetic set (500 questions, 5 layers, 26 positions, width 64), random: the sweep's work is the same.
        manual_seed(1);
        var set = LatentLab.Activations.ActivationSet.FromTensor(randn(500, 5, 26, 64), Enumerable.Range(0, 500).Select(i => i % 4).ToArray());
        LanguageModel? model = null;
        string? questions = null;
        var qwen3 = Path.Combine(fixtures, "qwen3");
        if (Directory.Exists(qwen3))
        {
            model = LanguageModel.Load(qwen3, CPU);
            var tokenizer = Path.Combine(Path.GetTempPath(), $"latentlab-bench-tok512-{Environment.ProcessId}");
            SmallVocabularyTokenizer.Write(Path.Combine(fixtures, "tokenizers", "qwen3"), tokenizer, 512);
            model.UseTokenizer(LanguageModelTokenizer.Load(tokenizer));
            questions = Path.Combine(Path.GetTempPath(), $"latentlab-bench-q-{Environment.ProcessId}.jsonl");
            File.WriteAllLines(questions, Enumerable.Range(0, 200).Select(i =>
                $"{{\"question\": \"Is {i} larger than {200 - i}?\", \"options\": [\"yes\", \"no\"], \"answer\": \"{(i > 100 ? "A" : "B")}\", \"group\": {i / 2}}}"));
        }

        var commands = new List<(string Name, Action<CancellationToken> Work)>
        {
            ("bandit-train", ct => BanditTrainer.Train(new BanditTrainingOptions(), CPU, null, ct).Dispose()),
            ("cot-synthetic", ct => { try { CotSynthetic.RunDetailed(new CotSyntheticOptions(), CPU, null, ct); } catch (OperationCanceledException) { } }),
            ("probe-sweep", ct => ProbeSweep.Run(set, new ProbeSweepOptions(), CPU, null, ct)),
            ("rl-bake", ct => ReferenceBaker.Bake(env, new BakeOptions { Tolerance = 1e-9 }, null, ct)),
            ("rl-train ppo", ct => Ppo.Train(reference, new PpoOptions(), null, null, ct)),
            ("rl-train grpo", ct => Grpo.Train(reference, new GrpoOptions(), null, null, ct)),
            ("perturb policy", ct => { try { PerturbationSweep.Run(new PolicySubject("p", reference), new PerturbationOptions(), null, ct); } catch (OperationCanceledException) { } }),
            ("perturb student", ct => { try { PerturbationSweep.Run(new StudentSubject("s", student), new PerturbationOptions(), null, ct); } catch (OperationCanceledException) { } }),
            ("finetune-attack policy", ct => { try { FineTuneAttack.Run(new PolicySubject("p", reference), new FineTuneAttackOptions { MaxSteps = 65_536 }, null, ct); } catch (OperationCanceledException) { } }),
            ("finetune-attack student", ct => { try { FineTuneAttack.Run(new StudentSubject("s", student), new FineTuneAttackOptions { MaxSteps = 65_536 }, null, ct); } catch (OperationCanceledException) { } }),
        };
        if (model is not null)
        {
            commands.Add(("llm-generate", ct => TextGenerator.Generate(model, model.Tokenizer!, "Hello there", new GenerationOptions { MaxNewTokens = 100_000, StopAtEos = false }, ct)));
            commands.Add(("llm-cot", ct =>
            {
                var folder = Path.Combine(Path.GetTempPath(), $"latentlab-bench-cot-{Guid.NewGuid():N}");
                try { CotRecorder.Record(model, CotQuestionFile.Read(questions!), folder, new CotRecorderOptions(), new GenerationOptions(), null, ct); }
                finally { if (Directory.Exists(folder)) Directory.Delete(folder, true); }
            }));
        }

        double[] delays = [1.5, 2.6, 3.7];
        foreach (var (name, work) in commands)
        {
            if (only is not null && !name.StartsWith(only, StringComparison.Ordinal)) continue;
            var latencies = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                using var cts = new CancellationTokenSource();
                var clock = Stopwatch.StartNew();
                var task = Task.Run(() => work(cts.Token));
                bool finishedEarly = task.Wait(TimeSpan.FromSeconds(delays[r % delays.Length]));
                if (finishedEarly) { latencies.Add(double.NaN); Console.WriteLine($"  {name}: finished in {clock.Elapsed.TotalSeconds:F2} s before the interrupt"); continue; }
                var cancelled = Stopwatch.StartNew();
                cts.Cancel();
                try { task.Wait(); } catch (AggregateException e) when (e.InnerException is OperationCanceledException or ArgumentException)
                {
                    // Cancelled before anything was kept, or (cot-synthetic) a partly trained model with nothing to probe: both end the cell.
                }
                latencies.Add(cancelled.Elapsed.TotalSeconds);
            }
            var done = latencies.Where(double.IsFinite).OrderBy(x => x).ToList();
            Console.WriteLine(done.Count == 0
                ? $"{name,-16} no interrupt landed (the run is shorter than {delays[0]} s)"
                : $"{name,-16} Cancel -> return: median {done[done.Count / 2]:F3} s, max {done[^1]:F3} s over {done.Count} interrupts " +
                  $"({string.Join(", ", done.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))})");
        }
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        model?.Dispose();
        return 0;
    }

    static string? Get(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    static int Arg(string[] args, string name, int fallback) => Get(args, name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
}
