using System.Diagnostics;
using System.Text.Json;
using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// The chain-of-thought recorder: for each multiple-choice question, the chat prompt, a generated chain, its final
/// answer letter, and at every generated token the residual stream of the chosen layers and the log-probability of
/// each answer letter as the next token, streamed to a folder one question at a time:
/// <code>
/// records.jsonl   one line per question done (answer, gold, chain, letter log-probs): what a re-run resumes from
/// activations.npy (N, L, P, D) float16, N = labelled questions, L = chosen layers (0 = embedding), P = max new tokens
/// labels.npy / gold.npy / correct.npy / lengths.npy (N,) int64; baseline.npy (N, P, C) letter log-probs; groups.npy
/// </code>
/// Position t holds the state after reading the chain's token t (so the letter log-probs at t predict token t + 1);
/// positions past a chain's length are zeros, and lengths.npy says where each chain ends (the probe sweep's
/// <c>--align end</c> lines the last tokens up). An interrupt keeps every finished question; the same call with the same
/// folder carries on where it stopped.
/// </summary>
public static class CotRecorder
{
    const string RecordsFile = "records.jsonl", ActivationsFile = "activations.npy", RunFile = "run.json";
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Records <paramref name="questions"/> with <paramref name="model"/> (which needs a tokenizer with a chat template) into <paramref name="folder"/>.</summary>
    public static CotRecording Record(LanguageModel model, IReadOnlyList<CotQuestion> questions, string folder, CotRecorderOptions options,
        GenerationOptions generation, IProgress<CotRecorderProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generation);
        options.Validate();
        generation.Validate();
        model.ThrowIfDisposed();
        var tokenizer = model.Tokenizer ?? throw new InvalidOperationException($"The model from '{model.Folder}' has no tokenizer (no tokenizer.json in its folder). " +
            "Load one with LanguageModelTokenizer.Load(folder) and call model.UseTokenizer(tokenizer).");
        if (tokenizer.Chat is null) throw new InvalidOperationException("The tokenizer has no chat_template (a base model?); the recorder asks its questions as a chat.");
        if (questions.Count == 0) throw new ArgumentException("No questions to record.", nameof(questions));
        if (options.Limit > 0 && questions.Count > options.Limit) questions = questions.Take(options.Limit).ToList();

        int allLayers = model.Config.Layers + 1;
        var layers = options.Layers ?? Enumerable.Range(0, allLayers).ToList();
        if (layers.FirstOrDefault(l => l >= allLayers, -1) is var bad and >= 0)
            throw new ArgumentException($"--layers {bad}: this model has layers 0..{allLayers - 1} (0 = the embedding, {allLayers - 1} = after the last block).", nameof(options));
        int choices = questions.Max(q => q.Options.Count), positions = generation.MaxNewTokens, dim = model.Config.HiddenSize;
        var letterIds = LetterTokens(tokenizer, choices);
        var dtype = options.DType == CotActivationDType.Float16 ? ArrayDType.Float16 : ArrayDType.Float32;

        Directory.CreateDirectory(folder);
        CheckRun(folder, new Dictionary<string, string>
        {
            ["model"] = $"{model.Config.ModelType} from {model.Folder}", ["layers"] = string.Join(",", layers), ["positions"] = positions.ToString(),
            ["dim"] = dim.ToString(), ["dtype"] = dtype.ToString(), ["choices"] = choices.ToString(),
        });
        var records = Resume(folder, questions);
        int resumed = records.Count;
        int rows = records.Count(r => r.Row is not null);
        var done = records.Select(r => r.Index).ToHashSet();

        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        using var memory = NativeAllocator.ReturnLargeBlocks();   // activations go back to the OS layer by layer (see NativeAllocator)
        using var noGrad = no_grad();
        using var layerIndex = tensor(layers.Select(l => (long)l).ToArray(), device: model.Device);
        using var letterIndex = tensor(letterIds.SelectMany(ids => ids).ToArray(), device: model.Device);   // every spelling of every letter
        var part = Path.Combine(folder, "activations.part.npy");
        // Left by a run killed between its last question and its merge (or during the merge): Resume counted only the rows of
        // activations.npy, so those questions are redone and these files are leftovers of our own naming.
        foreach (var stale in new[] { part, Path.Combine(folder, "activations.merge.npy"), PartialFile.PathOf(Path.Combine(folder, "activations.merge.npy")) })
        {
            try { if (File.Exists(stale)) File.Delete(stale); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        var writer = ActivationWriter.CreateNpy(part, layers.Count, positions, dim, null, dtype);
        var watch = Stopwatch.StartNew();
        long tokens = 0;
        bool interrupted = false;
        int written = 0;
        try
        {
            using var log = new StreamWriter(Path.Combine(folder, RecordsFile), append: true);
            for (int index = 0; index < questions.Count; index++)
            {
                if (done.Contains(index)) continue;
                if (cancellationToken.IsCancellationRequested) { interrupted = true; break; }
                var q = questions[index];
                using var scope = NewDisposeScope();
                var prompt = tokenizer.EncodeChat(Messages(q, options), addGenerationPrompt: true, enableThinking: options.Thinking);
                // Refuse before allocating this question's recording, KV cache and prompt pass (the questions before it are kept).
                MemoryBudget.Ensure(MemoryEstimates.LlmGeneration(model.Config, model.DType == float32 ? 4 : 2, prompt.Length, positions, layers.Count), model.Device);
                var states = zeros(layers.Count, positions, dim, dtype: float32);                // (Lsel, P, D) on the CPU
                var logProbs = new List<float[]>();
                var result = TextGenerator.Generate(model, tokenizer, prompt, generation, (output, generated) =>
                {
                    // Residual stream after reading chain token generated - 1: embedding + every block's output.
                    var all = cat([output.HiddenStates.narrow(0, 0, 1), output.LayerOutputs], 0);  // (L+1, 1, 1, D)
                    states.select(1, generated - 1).copy_(all.index_select(0, layerIndex)[.., 0, -1].to(float32, CPU));  // (Lsel, D)
                    var lp = output.Logits[0, -1].to(float32).log_softmax(-1);                    // (V,)
                    var spelled = lp.index_select(0, letterIndex).to(CPU).data<float>().ToArray(); // (spellings,) in one copy
                    logProbs.Add(LetterLogProbs(spelled, letterIds));
                }, feedLastToken: true, cancellationToken);
                if (result.StopReason == GenerationStopReason.Cancelled) { interrupted = true; break; }   // a half-done question is dropped

                int length = result.Tokens.Count;
                int? stated = CotAnswerParser.Parse(result.Text, q.Options.Count);
                int? label = stated ?? (options.Unanswered == CotUnanswered.LastLetter ? ArgMax(logProbs[length - 1], q.Options.Count) : null);
                int? row = null;
                if (label is not null)
                {
                    writer.AppendQuestion(states);
                    row = rows++;
                    written++;
                }
                var record = new CotRecord(index, q.Line, q.Question, q.Group, q.Gold, stated, label, row, length, Kebab(result.StopReason), result.Text,
                    [.. result.Tokens.Select(t => tokenizer.Decode([t]))],
                    [.. logProbs.Select(p => p.Take(q.Options.Count).ToArray())]);
                log.WriteLine(JsonSerializer.Serialize(record, Json));
                log.Flush();
                records.Add(record);
                tokens += length;
                progress?.Report(new CotRecorderProgress(records.Count, questions.Count, resumed, records.Count(r => r.Stated is null),
                    records.Count(r => r.Row is not null && r.Correct), tokens / Math.Max(watch.Elapsed.TotalSeconds, 1e-9), watch.Elapsed));
            }
        }
        finally
        {
            // Also on an exception: the questions finished so far reach activations.npy (their records are in the log).
            if (written > 0) writer.Complete();
            writer.Dispose();
            if (written > 0) Merge(folder, part, dtype, [layers.Count, positions, dim]);
        }
        records.Sort((a, b) => a.Index.CompareTo(b.Index));
        var (set, note) = WriteLabels(folder, records, positions, choices);
        return new CotRecording(Path.GetFullPath(folder), questions.Count, resumed, interrupted, records, set, note);
    }

    static List<ChatMessage> Messages(CotQuestion q, CotRecorderOptions o)
    {
        var user = q.Question.Trim() + "\n\n" + string.Join("\n", q.Options.Select((text, i) => $"{CotQuestion.Letter(i)}. {text}"));
        if (o.Instruction.Length > 0) user += "\n\n" + o.Instruction;
        return o.System.Length > 0 ? [ChatMessage.System(o.System), ChatMessage.User(user)] : [ChatMessage.User(user)];
    }

    /// <summary>Per letter A.. the single-token spellings "A" and " A" (whichever exist): the letter's probability is their sum.</summary>
    static long[][] LetterTokens(LanguageModelTokenizer tokenizer, int choices) =>
        Enumerable.Range(0, choices).Select(c =>
        {
            var letter = CotQuestion.Letter(c);
            var ids = new[] { letter, " " + letter }.Select(s => tokenizer.Encode(s)).Where(e => e.Length == 1).Select(e => (long)e[0]).Distinct().ToArray();
            return ids.Length > 0 ? ids : throw new InvalidDataException($"The tokenizer has no single token for the answer letter '{letter}' (nor ' {letter}'); " +
                "the recorder reads the letters' probabilities from single tokens.");
        }).ToArray();

    /// <summary>log sum_s p(s) over each letter's spellings, from the flat log-probs of all spellings (letter by letter).</summary>
    static float[] LetterLogProbs(float[] spelled, long[][] letterIds)
    {
        var result = new float[letterIds.Length];
        int at = 0;
        for (int c = 0; c < letterIds.Length; c++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int k = 0; k < letterIds[c].Length; k++) max = Math.Max(max, spelled[at + k]);
            for (int k = 0; k < letterIds[c].Length; k++) sum += Math.Exp(spelled[at + k] - max);
            result[c] = (float)(max + Math.Log(sum));
            at += letterIds[c].Length;
        }
        return result;
    }

    static int ArgMax(float[] values, int count)
    {
        int best = 0;
        for (int i = 1; i < count; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    static string Kebab(GenerationStopReason r) => Options.Knob.Kebab(r.ToString());

    /// <summary>Writes run.json, or checks that the folder was recorded with the same model and shape.</summary>
    static void CheckRun(string folder, Dictionary<string, string> run)
    {
        var path = Path.Combine(folder, RunFile);
        if (File.Exists(path))
        {
            Dictionary<string, string> before;
            try { before = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []; }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path} is not the recording's settings file (an object of text values): {e.Message} " +
                    "It was damaged or edited by hand: record into a new folder, or delete the folder to start over.", e);
            }
            var differs = run.Where(kv => before.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => $"{kv.Key} was {before.GetValueOrDefault(kv.Key) ?? "(none)"}, now {kv.Value}").ToList();
            if (differs.Count > 0)
                throw new InvalidDataException($"'{folder}' holds a recording made with other settings ({string.Join("; ", differs)}). " +
                    "Resume with the same model, --layers, --max-new-tokens and --dtype, or record into a new folder.");
        }
        else Formats.AtomicFile.WriteText(path, JsonSerializer.Serialize(run, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The records of earlier runs whose activations are on disk (a row past activations.npy's end was lost in a crash: redone).</summary>
    static List<CotRecord> Resume(string folder, IReadOnlyList<CotQuestion> questions)
    {
        var path = Path.Combine(folder, RecordsFile);
        if (!File.Exists(path)) return [];
        var acts = Path.Combine(folder, ActivationsFile);
        long rowsOnDisk = File.Exists(acts) ? NpyFile.ReadHeader(acts).Shape[0] : 0;
        var kept = new List<CotRecord>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            CotRecord? r;
            try { r = JsonSerializer.Deserialize<CotRecord>(line, Json); }
            catch (JsonException) { continue; }            // a line cut short by a crash: that question is redone
            if (r is null || (r.Row is { } row && row >= rowsOnDisk)) continue;
            if (r.Index >= questions.Count || questions[r.Index].Question != r.Question)
                throw new InvalidDataException($"{path}, line {number}: question {r.Index} there is not question {r.Index} of this question file. " +
                    "The folder belongs to another question file: record into a new folder.");
            kept.Add(r);
        }
        var unique = kept.GroupBy(r => r.Index).Select(g => g.Last()).ToList();
        if (unique.Count(r => r.Row is not null) != rowsOnDisk)
            throw new InvalidDataException($"{path} lists {unique.Count(r => r.Row is not null)} questions with activations but {acts} holds {rowsOnDisk}: " +
                "the folder was changed by hand or damaged. Record into a new folder.");
        // Rewrite the file with what is kept so later lines append to a consistent log.
        File.WriteAllLines(path, unique.Select(r => JsonSerializer.Serialize(r, Json)));
        return unique;
    }

    /// <summary>Appends this run's rows (<paramref name="part"/>) to activations.npy through the Formats writer, one question at a time.</summary>
    static void Merge(string folder, string part, ArrayDType dtype, long[] rowShape)
    {
        var target = Path.Combine(folder, ActivationsFile);
        if (!File.Exists(target)) { File.Move(part, target); return; }
        var merged = Path.Combine(folder, "activations.merge.npy");
        using (var writer = NpyWriter.Create(merged, dtype, rowShape))
        {
            foreach (var file in new[] { target, part })
            {
                var header = NpyFile.ReadHeader(file);
                using var stream = File.OpenRead(file);
                stream.Position = header.DataOffset;
                var buffer = new byte[writer.RowBytes];
                for (long left = header.DataBytes; left > 0; left -= buffer.Length)
                {
                    stream.ReadExactly(buffer);
                    writer.Append(buffer);
                }
            }
            writer.Complete();
        }
        File.Move(merged, target, overwrite: true);
        File.Delete(part);
    }

    /// <summary>Writes labels, gold, correctness, lengths, baseline and groups of the labelled rows; loads the set.</summary>
    static (ActivationSet?, string?) WriteLabels(string folder, List<CotRecord> records, int positions, int choices)
    {
        var inSet = records.Where(r => r.Row is not null).OrderBy(r => r.Row).ToList();
        var acts = Path.Combine(folder, ActivationsFile);
        if (inSet.Count == 0 || !File.Exists(acts)) return (null, "no question has a label yet (every chain so far stated no answer; --unanswered last-letter labels those).");
        void Ints(string name, IEnumerable<long> values) => NpyFile.Write(Path.Combine(folder, name), ArrayDType.Int64,
            System.Runtime.InteropServices.MemoryMarshal.AsBytes<long>(values.ToArray()), inSet.Count);
        Ints("labels.npy", inSet.Select(r => (long)r.Label!.Value));
        Ints("gold.npy", inSet.Select(r => (long)r.Gold));
        Ints("correct.npy", inSet.Select(r => r.Correct ? 1L : 0L));
        Ints("lengths.npy", inSet.Select(r => (long)r.Length));
        var baseline = new float[(long)inSet.Count * positions * choices];
        Array.Fill(baseline, -1e4f);                      // letters a question does not have, and positions past its chain
        for (int i = 0; i < inSet.Count; i++)
            for (int t = 0; t < inSet[i].LetterLogProbs.Length; t++)
                for (int c = 0; c < inSet[i].LetterLogProbs[t].Length; c++)
                    baseline[((long)i * positions + t) * choices + c] = inSet[i].LetterLogProbs[t][c];
        NpyFile.Write(Path.Combine(folder, "baseline.npy"), baseline, inSet.Count, positions, choices);
        string? groups = null;
        if (inSet.Any(r => r.Group is not null))
        {
            var ids = new Dictionary<string, long>();
            Ints("groups.npy", inSet.Select(r => ids.TryGetValue(r.Group ?? $"\0{r.Index}", out var g) ? g : ids[r.Group ?? $"\0{r.Index}"] = ids.Count));
            groups = Path.Combine(folder, "groups.npy");
        }
        try
        {
            return (ActivationSet.Load(acts, Path.Combine(folder, "labels.npy"), groups, Path.Combine(folder, "baseline.npy"), Path.Combine(folder, "lengths.npy")), null);
        }
        catch (ActivationFileException e)
        {
            return (null, $"the activation set cannot be formed yet: {e.Message}");
        }
    }
}
