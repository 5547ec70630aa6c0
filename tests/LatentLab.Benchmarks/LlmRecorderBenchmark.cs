using System.Diagnostics;
using LatentLab.LanguageModels;

namespace LatentLab.Benchmarks;

/// <summary>
/// The chain-of-thought recorder's cost over plain generation (`llm --recorder`): the same chat prompts, greedy, the same
/// number of new tokens (no EOS stop), once through <see cref="TextGenerator.Generate(LanguageModel, LanguageModelTokenizer, IReadOnlyList{int}, GenerationOptions, Action{LanguageModelOutput, int}?, bool, CancellationToken)"/>
/// and once through <see cref="CotRecorder.Record"/> (every layer at every generated token, float16 files, letter
/// log-probs), alternating plain, recorder, plain, recorder ... Prints wall and CPU seconds per repetition and the load.
///   [--questions 2] [--new 16] [--reps 2] [--tokenizer DIR] (default: shared/fixtures/llm/tokenizers/qwen3, found upwards)
/// </summary>
static class LlmRecorderBenchmark
{
    public static int Run(LanguageModel model, Func<string, string, string> get, string work, Func<string> load)
    {
        int count = int.Parse(get("--questions", "2")), newTokens = int.Parse(get("--new", "16")), reps = int.Parse(get("--reps", "2"));
        if (model.Tokenizer is null)
        {
            var tokFolder = get("--tokenizer", FindTokenizer() ?? "");
            if (tokFolder.Length == 0) { Console.Error.WriteLine("--recorder needs a tokenizer: --tokenizer DIR (a folder with tokenizer.json)."); return 2; }
            model.UseTokenizer(LanguageModelTokenizer.Load(tokFolder));
        }
        var tokenizer = model.Tokenizer!;
        var questionsPath = Path.Combine(work, $"recorder-questions-{count}.jsonl");
        File.WriteAllLines(questionsPath, Enumerable.Range(0, count).Select(i =>
            $"{{\"question\": \"A train leaves at {i + 1} o'clock and travels for {i + 3} hours. At what hour does it arrive?\", " +
            $"\"options\": [\"{i + 4}\", \"{i + 3}\", \"{2 * i + 5}\", \"{i + 2}\"], \"answer\": 0}}"));
        var questions = CotQuestionFile.Read(questionsPath);
        var recorderOptions = new CotRecorderOptions { Unanswered = CotUnanswered.LastLetter };   // random weights state no answer: keep every row
        var generation = new GenerationOptions { MaxNewTokens = newTokens, StopAtEos = false };
        // The recorder's own prompt: question, lettered options, instruction, as a chat with the generation prompt.
        var prompts = questions.Select(q => tokenizer.EncodeChat([ChatMessage.User(q.Question + "\n\n" +
            string.Join("\n", q.Options.Select((o, k) => $"{CotQuestion.Letter(k)}. {o}")) + "\n\n" + recorderOptions.Instruction)],
            addGenerationPrompt: true, enableThinking: false)).ToList();
        Console.WriteLine($"recorder vs plain generation: {count} questions, prompts of {string.Join("/", prompts.Select(p => p.Length))} tokens, " +
            $"{newTokens} new tokens each, every layer ({model.Config.Layers + 1} states of {model.Config.HiddenSize}) stored as float16");

        int plainTokens = 0, recordedTokens = 0;
        (double Wall, double Cpu) Timed(Action action)
        {
            var me = Process.GetCurrentProcess();
            var cpu = me.TotalProcessorTime;
            var s = Stopwatch.StartNew();
            action();
            double wall = s.Elapsed.TotalSeconds;
            me.Refresh();
            return (wall, (me.TotalProcessorTime - cpu).TotalSeconds);
        }
        void RunPlain()
        {
            plainTokens = prompts.Sum(p => TextGenerator.Generate(model, tokenizer, p, generation, null, false).Tokens.Count);
        }
        void RunRecorder()
        {
            var folder = Path.Combine(work, $"recorder-{Guid.NewGuid():N}");
            try
            {
                using var rec = CotRecorder.Record(model, questions, folder, recorderOptions, generation);
                if (rec.Done != count) throw new InvalidOperationException($"the recorder did {rec.Done} of {count} questions");
                recordedTokens = rec.Records.Sum(r => r.Length);
            }
            finally { Directory.Delete(folder, recursive: true); }
        }
        RunPlain(); RunRecorder();   // warm-up, not counted
        var plain = new List<(double Wall, double Cpu)>();
        var rec = new List<(double Wall, double Cpu)>();
        for (int r = 0; r < reps; r++)
        {
            plain.Add(Timed(RunPlain));
            rec.Add(Timed(RunRecorder));
            Console.WriteLine($"  rep {r + 1}: plain {plain[^1].Wall:F2} s wall ({plain[^1].Cpu:F2} s CPU), recorder {rec[^1].Wall:F2} s wall ({rec[^1].Cpu:F2} s CPU): " +
                $"overhead {rec[^1].Wall / plain[^1].Wall - 1:P1} wall, {rec[^1].Cpu / plain[^1].Cpu - 1:P1} CPU; load average {load()}");
        }
        if (recordedTokens != plainTokens) Console.WriteLine($"  (the recorder generated {recordedTokens} tokens, plain generation {plainTokens}: not the same work)");
        var wallRatios = plain.Zip(rec, (p, q) => q.Wall / p.Wall - 1).OrderBy(x => x).ToArray();
        var cpuRatios = plain.Zip(rec, (p, q) => q.Cpu / p.Cpu - 1).OrderBy(x => x).ToArray();
        Console.WriteLine($"| recorder overhead over plain generation ({model.DType.ToString().ToLowerInvariant()}, {count} x {newTokens} tokens) | " +
            $"wall {Median(wallRatios):P1} [{wallRatios[0]:P1}, {wallRatios[^1]:P1}] | CPU {Median(cpuRatios):P1} [{cpuRatios[0]:P1}, {cpuRatios[^1]:P1}] | " +
            $"plain {Median(plain.Select(p => p.Wall).ToArray()):F2} s, recorder {Median(rec.Select(p => p.Wall).ToArray()):F2} s median wall |");
        return 0;
    }

    static double Median(double[] x)
    {
        var s = x.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    static string? FindTokenizer()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "llm", "tokenizers", "qwen3");
            if (File.Exists(Path.Combine(candidate, "tokenizer.json"))) return candidate;
        }
        return null;
    }
}
