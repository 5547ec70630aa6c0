using LatentLab.Formats;
using LatentLab.LanguageModels;
using LatentLab.Torch;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LatentLab.Tests.LanguageModels;

/// <summary>The recorder on the qwen3 fixture (random weights: the answers are noise; shapes, files, resume and bad input are checked).</summary>
public class CotRecorderTests
{
    readonly ITestOutputHelper _log;

    public CotRecorderTests(ITestOutputHelper output)
    {
        _log = output;
        TorchRuntime.EnsureInitialized();
    }

    static readonly GenerationOptions Gen = new() { MaxNewTokens = 6, StopAtEos = false };
    static readonly CotRecorderOptions Labelled = new() { Unanswered = CotUnanswered.LastLetter, Threads = 1 };

    static string NewFolder() => Path.Combine(Path.GetTempPath(), $"latentlab-cot-{Guid.NewGuid():N}");

    [Fact]
    public void Record_WritesEveryLayerAndPosition_WithLabelsLengthsAndLetterLogProbs()
    {
        using var model = ChatFixture.Load();
        var questions = CotQuestionFile.Read(ChatFixture.Questions(5));
        var folder = NewFolder();

        using var rec = CotRecorder.Record(model, questions, folder, Labelled, Gen);

        Assert.Equal(5, rec.Done);
        Assert.False(rec.Interrupted);
        Assert.Equal(5, rec.Unstated);              // noise never writes "Answer: X"
        var set = rec.Activations!;
        Assert.Equal((5, 4, 6, 64), (set.Count, set.Layers, set.Positions, set.Dim));   // embedding + 3 blocks; P = max new tokens
        Assert.Equal(Enumerable.Repeat(6, 5), set.Lengths);
        Assert.NotNull(set.BaselineScores);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(folder, "records.jsonl")).Length);
        foreach (var r in rec.Records)
        {
            Assert.Equal(6, r.LetterLogProbs.Length);
            Assert.All(r.LetterLogProbs, p => Assert.Equal(questions[r.Index].Options.Count, p.Length));
            // The label is the most likely letter at the last token, and log-probs of distinct tokens are below 0 and sum below 1.
            Assert.Equal(Array.IndexOf(r.LetterLogProbs[^1], r.LetterLogProbs[^1].Max()), r.Label);
            Assert.True(r.LetterLogProbs[^1].Sum(x => Math.Exp(x)) < 1);
        }
        Assert.Equal(rec.Records.Select(r => r.Label == r.Gold ? 1L : 0L), Npy(folder, "correct.npy"));
        Assert.Equal(rec.Records.Select(r => (long)r.Gold), Npy(folder, "gold.npy"));
        Assert.Equal(new long[] { 0, 0, 0, 0, 1 }, Npy(folder, "groups.npy"));
        Assert.Equal(ArrayDType.Float16, NpyFile.ReadHeader(Path.Combine(folder, "activations.npy")).DType);
    }

    [Fact]
    public void Record_StatesMatchAForwardPassOverPromptAndChain()
    {
        using var model = ChatFixture.Load();
        var questions = CotQuestionFile.Read(ChatFixture.Questions(1));
        var folder = NewFolder();
        using var rec = CotRecorder.Record(model, questions, folder, Labelled with { DType = CotActivationDType.Float32, Layers = [0, 3] }, Gen);

        // Reference: one forward pass over prompt + chain; position t of the recording = the chain's token t.
        var prompt = model.Tokenizer!.EncodeChat([ChatMessage.User(questions[0].Question + "\n\nA. yes\nB. no\n\n" + new CotRecorderOptions().Instruction)], enableThinking: false);
        var chain = TextGenerator.Generate(model, model.Tokenizer, prompt, Gen, null, false).Tokens;
        using var ids = tensor(prompt.Concat(chain).Select(i => (long)i).ToArray()).view(1, -1);
        using var output = model.Forward(ids);
        // One question has one label, too few for an ActivationSet (two classes): read the file itself.
        Assert.Null(rec.Activations);
        using var stored = Floats(folder, "activations.npy");                                 // (1, 2, P, D)
        Assert.Equal(new long[] { 1, 2, 6, 64 }, stored.shape);
        using var expected = output.LayerOutputs[2, 0].narrow(0, prompt.Length, chain.Count); // (P, D)
        Assert.True((stored[0, 1] - expected).abs().max().item<float>() < 1e-4);
        Assert.True((stored[0, 0] - output.HiddenStates[0, 0].narrow(0, prompt.Length, chain.Count)).abs().max().item<float>() < 1e-5);
        var lp = output.Logits[0, prompt.Length + 2].log_softmax(-1);
        // Letter A is "A" or " A" (both single tokens here): their probabilities add up.
        long a = model.Tokenizer.Encode("A").Single(), spaceA = model.Tokenizer.Encode(" A").Single();
        Assert.Equal(Math.Log(Math.Exp(lp[a].item<float>()) + Math.Exp(lp[spaceA].item<float>())), rec.Records[0].LetterLogProbs[2][0], 3);
    }

    [Fact]
    public void Record_InBFloat16_StatesAreABFloat16ForwardOverPromptAndChain_WithinTransformersOwnBFloat16Error()
    {
        // The BF16 fixture computing in bfloat16, end to end through the recorder: the chain is this model's own greedy
        // chain, and the stored states (float32 here) are the residual stream of a float32 model on the same tokens up to
        // BF16 rounding: no more than twice what transformers' BF16 run shows against its float32 run (fixture "long").
        using var bf16 = LanguageModel.Load(LlmFixtures.Model("qwen3-bf16"), CPU, ScalarType.BFloat16);
        bf16.UseTokenizer(LanguageModelTokenizer.Load(ChatFixture.Tokenizer));
        using var f32 = LanguageModel.Load(LlmFixtures.Model("qwen3-bf16"), CPU);
        var questions = CotQuestionFile.Read(ChatFixture.Questions(3));
        var folder = NewFolder();
        using var rec = CotRecorder.Record(bf16, questions, folder, Labelled with { DType = CotActivationDType.Float32 }, Gen);

        Assert.Equal(3, rec.Done);
        Assert.Equal((3, 4, 6, 64), (rec.Activations!.Count, rec.Activations.Layers, rec.Activations.Positions, rec.Activations.Dim));
        using var stored = Floats(folder, "activations.npy");                                  // (3, 4, 6, 64)
        Assert.True(stored.isfinite().all().item<bool>());
        using var scope = NewDisposeScope();
        var mask = ones(1, 23, dtype: int64);
        var (_, theirs) = LlmFixtures.Compare(LlmFixtures.Npy("qwen3-bf16", "long.bf16compute.layer_outputs.npy"),
            LlmFixtures.Npy("qwen3-bf16", "long.f32compute.layer_outputs.npy"), mask);
        for (int i = 0; i < 3; i++)
        {
            var r = rec.Records[i];
            var prompt = bf16.Tokenizer!.EncodeChat([ChatMessage.User(questions[i].Question + "\n\n" +
                string.Join("\n", questions[i].Options.Select((o, k) => $"{CotQuestion.Letter(k)}. {o}")) + "\n\n" + new CotRecorderOptions().Instruction)], enableThinking: false);
            var chain = TextGenerator.Generate(bf16, bf16.Tokenizer, prompt, Gen, null, false).Tokens;
            Assert.Equal(r.Length, chain.Count);
            var ids = tensor(prompt.Concat(chain).Select(t => (long)t).ToArray()).view(1, -1);
            using var exact = f32.Forward(ids);                                                  // float32 on the bf16 chain
            var expected = cat([exact.HiddenStates.narrow(0, 0, 1), exact.LayerOutputs], 0)[.., 0].narrow(1, prompt.Length, chain.Count);   // (4, P, D)
            double ours = (stored[i] - expected).abs().max().item<float>();
            _log.WriteLine($"question {i}: bf16 recording vs float32 forward max |Δ| {ours:g3} (transformers' bf16 vs f32 layer outputs: {theirs:g3})");
            Assert.True(ours <= 2 * theirs, $"question {i}: the bf16 recording is {ours:g3} from float32, more than twice transformers' {theirs:g3}");
        }
    }

    [Fact]
    public void Record_Interrupted_KeepsTheQuestionsDone_AndTheSameFolderResumesToTheSameFiles()
    {
        using var model = ChatFixture.Load();
        var questions = CotQuestionFile.Read(ChatFixture.Questions(5));
        var whole = NewFolder();
        using (CotRecorder.Record(model, questions, whole, Labelled, Gen)) { }

        var folder = NewFolder();
        using var cts = new CancellationTokenSource();
        var stopAfterTwo = new SyncProgress<CotRecorderProgress>(p => { if (p.Done == 2) cts.Cancel(); });
        using (var first = CotRecorder.Record(model, questions, folder, Labelled, Gen, stopAfterTwo, cts.Token))
        {
            Assert.True(first.Interrupted);
            Assert.Equal(2, first.Done);
            Assert.Equal(2, NpyFile.ReadHeader(Path.Combine(folder, "activations.npy")).Shape[0]);
            Assert.Equal(2, Npy(folder, "labels.npy").Length);
        }
        using var second = CotRecorder.Record(model, questions, folder, Labelled, Gen);

        Assert.Equal(2, second.Resumed);
        Assert.Equal(5, second.Done);
        Assert.False(second.Interrupted);
        foreach (var file in new[] { "activations.npy", "labels.npy", "lengths.npy", "baseline.npy" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, file)), File.ReadAllBytes(Path.Combine(folder, file)));
        Assert.False(File.Exists(Path.Combine(folder, "activations.part.npy")));
    }

    [Fact]
    public void Record_ResumeWithOtherSettings_IsRefusedWithWhatDiffers()
    {
        using var model = ChatFixture.Load();
        var questions = CotQuestionFile.Read(ChatFixture.Questions(2));
        var folder = NewFolder();
        using (CotRecorder.Record(model, questions, folder, Labelled, Gen)) { }
        var e = Assert.Throws<InvalidDataException>(() => CotRecorder.Record(model, questions, folder, Labelled, Gen with { MaxNewTokens = 7 }));
        Assert.Contains("positions was 6, now 7", e.Message);
        var other = CotQuestionFile.Read(ChatFixture.Questions(3, extraLine: "{\"question\": \"Other?\", \"options\": [\"x\", \"y\"], \"answer\": \"B\"}"));
        var e2 = Assert.Throws<InvalidDataException>(() => CotRecorder.Record(model, other.Reverse().ToList(), folder, Labelled, Gen));
        Assert.Contains("belongs to another question file", e2.Message);
    }

    [Fact]
    public void Record_ChainsWithoutAnAnswer_AreCountedAndSkipped_NotFatal()
    {
        using var model = ChatFixture.Load();
        var questions = CotQuestionFile.Read(ChatFixture.Questions(3));
        using var rec = CotRecorder.Record(model, questions, NewFolder(), new CotRecorderOptions { Threads = 1 }, Gen);
        Assert.Equal(3, rec.Done);
        Assert.Equal(3, rec.Unstated);
        Assert.Equal(0, rec.Labelled);
        Assert.Null(rec.Activations);
        Assert.Contains("no question has a label", rec.Note);
        Assert.Contains("3 without a stated answer", rec.ToString());
    }

    [Fact]
    public void Record_LayerBeyondTheModel_IsRefused()
    {
        using var model = ChatFixture.Load();
        var questions = CotQuestionFile.Read(ChatFixture.Questions(1));
        var e = Assert.Throws<ArgumentException>(() => CotRecorder.Record(model, questions, NewFolder(), Labelled with { Layers = [0, 4] }, Gen));
        Assert.Contains("--layers 4: this model has layers 0..3", e.Message);
    }

    [Theory]
    [InlineData("not json", "line 3 is not valid JSON")]
    [InlineData("{\"question\": \"q\", \"options\": [\"a\"], \"answer\": \"A\"}", "line 3: 1 options; a question needs 2 to 8")]
    [InlineData("{\"question\": \"q\", \"options\": [\"a\", \"b\"], \"answer\": \"C\"}", "line 3: \"answer\" \"C\" is not one of the 2 options (A..B)")]
    [InlineData("{\"options\": [\"a\", \"b\"], \"answer\": 0}", "line 3: \"question\" is missing")]
    [InlineData("{\"question\": \"q\", \"options\": [\"a\", \"b\"]}", "line 3: \"answer\" (the gold option")]
    public void QuestionFile_BadLine_IsNamedByLineNumber(string line, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => CotQuestionFile.Read(ChatFixture.Questions(4, extraLine: line)));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("Let me think. The answer is (B).", 2, 1)]
    [InlineData("A looks wrong... **Answer:** A", 2, 0)]
    [InlineData("Answer: C\nWait, no. Answer: B", 3, 1)]
    [InlineData("the answer is a prime, so", 2, null)]
    [InlineData("Answer: D", 3, null)]
    [InlineData("I cannot decide.", 2, null)]
    public void AnswerParser_TakesTheLastStatedLetterAmongTheOptions(string text, int options, int? expected) =>
        Assert.Equal(expected, CotAnswerParser.Parse(text, options));

    static long[] Npy(string folder, string file)
    {
        var path = Path.Combine(folder, file);
        var h = NpyFile.ReadHeader(path);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(File.ReadAllBytes(path).AsSpan((int)h.DataOffset)).ToArray();
    }

    static Tensor Floats(string folder, string file)
    {
        var path = Path.Combine(folder, file);
        var h = NpyFile.ReadHeader(path);
        return tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path).AsSpan((int)h.DataOffset)).ToArray(), h.Shape);
    }

    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
