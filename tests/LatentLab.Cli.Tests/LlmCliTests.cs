using System.Globalization;
using LatentLab.LanguageModels;
using LatentLab.Torch;

namespace LatentLab.Cli.Tests;

/// <summary>llm-info, llm-generate and llm-cot on the tiny qwen3 fixture, each checked against the science call with the same options.</summary>
public sealed class LlmCliTests
{
    public LlmCliTests() => TorchRuntime.ResolveDevice("cpu");

    string[] Model => ["--model", LlmFixture.Model, "--tokenizer", LlmFixture.Tokenizer, "--device", "cpu", "--progress", "none"];

    [Fact]
    public async Task LlmInfo_WritesTheCard()
    {
        var folder = CliHost.TempFolder();

        var (code, output, error) = await CliHost.RunAsync(["llm-info", .. Model, "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        var fields = File.ReadAllLines(Path.Combine(folder, "llm-info.csv")).Skip(1).Select(l => l.Split(',', 2)).ToDictionary(p => p[0], p => p[1]);
        using var model = LlmFixture.Load();
        Assert.Equal("qwen3", fields["architecture"]);
        Assert.Equal($"{model.Config.Layers}", fields["layers"]);
        Assert.Equal("64", fields["width"]);
        Assert.Equal($"{model.ParameterCount}", fields["parameters"]);
        Assert.Equal("512 tokens", fields["tokenizer"]);
        Assert.Contains("Language model: qwen3, 3 layers, width 64", output);
    }

    [Fact]
    public async Task LlmGenerate_Greedy_WritesTheTokensOfGenerateGreedy()
    {
        var folder = CliHost.TempFolder();

        var (code, output, error) = await CliHost.RunAsync(["llm-generate", .. Model, "--prompt", "Hello there", "--raw", "--max-new-tokens", "8", "--no-eos",
            "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        using var model = LlmFixture.Load();
        using var ids = TorchSharp.torch.tensor(model.Tokenizer!.Encode("Hello there").Select(i => (long)i).ToArray()).view(1, -1);
        using var greedy = model.GenerateGreedy(ids, 8);
        var expected = greedy.data<long>().ToArray();            // the new tokens only
        var rows = File.ReadAllLines(Path.Combine(folder, "reply.csv"));
        Assert.Equal("position,token_id,text,stop_reason", rows[0]);
        Assert.Equal(expected, rows.Skip(1).Select(r => long.Parse(r.Split(',')[1], CultureInfo.InvariantCulture)));
        Assert.Equal(model.Tokenizer.Decode(expected.Select(t => (int)t)), File.ReadAllText(Path.Combine(folder, "reply.txt")));
        Assert.Contains("Generated 8 tokens", output);
    }

    [Fact]
    public async Task LlmCot_RecordsWhatCotRecorderRecords_AndProbeSweepReadsIt()
    {
        var folder = CliHost.TempFolder();
        var questions = LlmFixture.Questions(12);

        var (code, output, error) = await CliHost.RunAsync(["llm-cot", .. Model, "--questions", questions, "--max-new-tokens", "5", "--no-eos", "--layers", "all",
            "--unanswered", "last-letter", "--threads", "1", "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        using var model = LlmFixture.Load();
        var direct = CliHost.TempFolder();
        using (var rec = CotRecorder.Record(model, CotQuestionFile.Read(questions), direct,
                   new CotRecorderOptions { Unanswered = CotUnanswered.LastLetter, Threads = 1 }, new GenerationOptions { MaxNewTokens = 5, StopAtEos = false }))
        {
            var rows = File.ReadAllLines(Path.Combine(folder, "llm-cot.csv"));
            Assert.Equal("question,line,group,gold,stated,label,correct,length,stop", rows[0]);
            Assert.Equal(rec.Records.Select(r => $"{r.Index},{r.Label},{r.Length}"),
                rows.Skip(1).Select(r => r.Split(',')).Select(c => $"{c[0]},{c[5]},{c[7]}"));
            Assert.Equal(File.ReadAllBytes(Path.Combine(direct, "activations.npy")), File.ReadAllBytes(Path.Combine(folder, "activations.npy")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(direct, "labels.npy")), File.ReadAllBytes(Path.Combine(folder, "labels.npy")));
        }
        Assert.Contains("12/12 questions", output);

        (code, output, error) = await CliHost.RunAsync("probe-sweep", "--activations", Path.Combine(folder, "activations.npy"), "--labels",
            Path.Combine(folder, "labels.npy"), "--groups", Path.Combine(folder, "groups.npy"), "--folds", "3", "--align", "end", "--no-control", "--device", "cpu", "--progress", "none", "--out-dir", folder);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Equal(4 * 5 + 1, File.ReadAllLines(Path.Combine(folder, "probe-sweep.csv")).Length);
    }

    [Fact]
    public async Task LlmCot_Interrupted_Exits130_AndTheSameCommandResumes()
    {
        var folder = CliHost.TempFolder();
        var questions = LlmFixture.Questions(4);
        string[] line = ["llm-cot", .. Model, "--questions", questions, "--max-new-tokens", "4", "--no-eos", "--unanswered", "last-letter", "--threads", "1", "--out-dir", folder];
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();

        var (code, _, error) = await CliHost.RunAsync(interrupt.Token, line);
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("partial result", error);
        Assert.True(File.Exists(Path.Combine(folder, "llm-cot.csv")));

        (code, var output, error) = await CliHost.RunAsync(line);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("4/4 questions", output);
    }

    [Fact]
    public async Task LlmCot_RemovesTheLeftoversOfARunKilledBeforeOrDuringItsMerge()
    {
        var folder = CliHost.TempFolder();
        string[] leftovers = ["activations.part.npy", "activations.merge.npy", "activations.merge.npy.partial"];
        foreach (var name in leftovers) File.WriteAllText(Path.Combine(folder, name), "left by a killed run");
        File.WriteAllText(Path.Combine(folder, ".llm-cot.csv.0123abcd.tmp"), "left by a killed run");

        var (code, _, error) = await CliHost.RunAsync(["llm-cot", .. Model, "--questions", LlmFixture.Questions(2), "--max-new-tokens", "3", "--no-eos",
            "--unanswered", "last-letter", "--threads", "1", "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        foreach (var name in leftovers.Append(".llm-cot.csv.0123abcd.tmp")) Assert.False(File.Exists(Path.Combine(folder, name)), $"{name} was left behind");
        Assert.True(File.Exists(Path.Combine(folder, "activations.npy")));
    }

    [Fact]
    public async Task LlmGenerate_Interrupted_Exits130_AndWritesTheTokensSoFar()
    {
        var folder = CliHost.TempFolder();
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();

        var (code, output, error) = await CliHost.RunAsync(interrupt.Token, ["llm-generate", .. Model, "--prompt", "Hello", "--raw", "--max-new-tokens", "8",
            "--no-eos", "--out-dir", folder]);

        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("stopped by Cancelled", output);
        Assert.Contains("partial result", error);
        var rows = File.ReadAllLines(Path.Combine(folder, "reply.csv"));
        Assert.InRange(rows.Length - 1, 0, 7);                     // fewer than the 8 asked for
        Assert.All(rows.Skip(1), r => Assert.EndsWith(",Cancelled", r));
    }

    [Theory]
    [InlineData("llm-generate --model NOWHERE --prompt hi", "--model NOWHERE: no such folder")]
    [InlineData("llm-generate --model MODEL --prompt hi", "the checkpoint folder has no tokenizer.json; add --tokenizer")]
    [InlineData("llm-generate --model MODEL --tokenizer MODEL --prompt hi", "--tokenizer MODEL: there is no tokenizer.json in it")]
    [InlineData("llm-generate --model MODEL", "--prompt is required")]
    [InlineData("llm-generate --model MODEL --prompt hi --temperature -1", "--temperature")]
    [InlineData("llm-cot --model MODEL", "--questions is required")]
    [InlineData("llm-info", "--model is required")]
    [InlineData("llm-info --model MODEL --dtype float8", "--dtype")]
    public async Task BadInput_Exits2_WithAMessageNamingTheOption(string line, string expected)
    {
        var folder = CliHost.TempFolder();
        string Fill(string s) => s.Replace("NOWHERE", Path.Combine(folder, "nowhere")).Replace("MODEL", LlmFixture.Model);

        var (code, output, error) = await CliHost.RunAsync([.. line.Split(' ').Select(Fill), "--device", "cpu", "--progress", "none", "--out-dir", Path.Combine(folder, "out")]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(Fill(expected), error);
        Assert.Equal("", output);
        Assert.False(Directory.Exists(Path.Combine(folder, "out")));
    }
}
