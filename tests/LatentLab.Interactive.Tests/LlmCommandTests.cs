using LatentLab.Activations;
using LatentLab.LanguageModels;
using LatentLab.Probes;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

/// <summary>#!llm-load, #!llm-generate and #!llm-cot on the qwen3 fixture model, and #!probe-sweep on the recording in the same kernel.</summary>
public class LlmCommandTests
{
    [Fact]
    public async Task LlmLoad_ShowsTheCard_AndBindsTheModelWithItsTokenizer()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var loaded = await kernel.SubmitAsync(LlmTestFixture.LoadLine());

        loaded.AssertSucceeded();
        var html = string.Join("\n", loaded.Html());
        Assert.Contains("Language model: qwen3", html);
        Assert.Contains("3 layers, width 64, 4 query heads / 2 key-value heads of 32", html);
        Assert.Contains("float32", html);
        Assert.Contains("MiB", html);
        var model = kernel.Bound<LanguageModel>("llm");
        Assert.Equal(3, model.Config.Layers);
        Assert.Equal(512, model.Tokenizer!.VocabSize);
    }

    [Fact]
    public async Task LlmGenerate_Greedy_GivesTheTextOfGenerateGreedy()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync(LlmTestFixture.LoadLine())).AssertSucceeded();

        var reply = await kernel.SubmitAsync("#!llm-generate --prompt \"Hello there\" --raw --max-new-tokens 8 --no-eos --out reply");

        reply.AssertSucceeded();
        var result = kernel.Bound<GenerationResult>("reply");
        var model = kernel.Bound<LanguageModel>("llm");
        using var ids = TorchSharp.torch.tensor(model.Tokenizer!.Encode("Hello there").Select(i => (long)i).ToArray()).view(1, -1);
        using var greedy = model.GenerateGreedy(ids, 8);
        Assert.Equal(greedy.data<long>().ToArray(), result.Tokens.Select(t => (long)t));
        Assert.Contains("8 tokens", string.Join("\n", reply.Html()));
    }

    [Fact]
    public async Task LlmCot_RecordsAnActivationSet_ThatProbeSweepReadsInTheSameKernel()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync(LlmTestFixture.LoadLine())).AssertSucceeded();
        var folder = LlmTestFixture.NewFolder();

        var recorded = await kernel.SubmitAsync($"#!llm-cot --model llm --questions \"{LlmTestFixture.Questions(12)}\" --max-new-tokens 5 --no-eos --layers all " +
                                                $"--unanswered last-letter --threads 1 --out acts --save \"{folder}\"");

        recorded.AssertSucceeded();
        var acts = kernel.Bound<ActivationSet>("acts");
        Assert.Equal((12, 4, 5, 64), (acts.Count, acts.Layers, acts.Positions, acts.Dim));
        Assert.Equal(6, acts.Groups!.Distinct().Count());
        var html = string.Join("\n", recorded.Html());
        Assert.Contains("Chain-of-thought recording", html);
        Assert.Contains("12 of 12 done (0 resumed from the folder); 12 chains stated no answer", html);
        Assert.Contains("latentlab-chain", html);
        var progress = recorded.Events.OfType<DisplayedValueUpdated>().Select(e => e.Formatted("text/plain")).ToList();
        Assert.Contains(progress, p => p.Contains("tokens/s"));

        var swept = await kernel.SubmitAsync("#!probe-sweep --activations acts --folds 3 --align end --device cpu --out sweep");

        swept.AssertSucceeded();
        var sweep = kernel.Bound<ProbeSweepResult>("sweep");
        Assert.Equal(4 * 5, sweep.Cells.Count);
        Assert.True(sweep.HasBaseline);
    }

    [Fact]
    public async Task LlmLoad_BFloat16_GeneratesAndRecords_InBFloat16()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var loaded = await kernel.SubmitAsync($"#!llm-load --model \"{LlmTestFixture.ModelBFloat16}\" --tokenizer \"{LlmTestFixture.Tokenizer}\" --dtype bfloat16 --device cpu --out llm");

        loaded.AssertSucceeded();
        Assert.Contains("bfloat16 (saved as bfloat16)", string.Join("\n", loaded.Html()));
        var model = kernel.Bound<LanguageModel>("llm");
        Assert.Equal(TorchSharp.torch.ScalarType.BFloat16, model.DType);
        var reply = await kernel.SubmitAsync("#!llm-generate --prompt \"Hello there\" --raw --max-new-tokens 6 --no-eos --out reply");
        reply.AssertSucceeded();
        using (var ids = TorchSharp.torch.tensor(model.Tokenizer!.Encode("Hello there").Select(i => (long)i).ToArray()).view(1, -1))
        using (var greedy = model.GenerateGreedy(ids, 6))
            Assert.Equal(greedy.data<long>().ToArray(), kernel.Bound<GenerationResult>("reply").Tokens.Select(t => (long)t));

        var recorded = await kernel.SubmitAsync($"#!llm-cot --model llm --questions \"{LlmTestFixture.Questions(4)}\" --max-new-tokens 4 --no-eos --layers all " +
                                                $"--unanswered last-letter --threads 1 --out acts --save \"{LlmTestFixture.NewFolder()}\"");
        recorded.AssertSucceeded();
        var acts = kernel.Bound<ActivationSet>("acts");
        Assert.Equal((4, 4, 4, 64), (acts.Count, acts.Layers, acts.Positions, acts.Dim));
    }

    [Fact]
    public async Task LlmCot_Interrupted_BindsTheQuestionsDone_AndTheSameCommandResumes()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync(LlmTestFixture.LoadLine())).AssertSucceeded();
        var folder = LlmTestFixture.NewFolder();
        var line = $"#!llm-cot --questions \"{LlmTestFixture.Questions(4000)}\" --max-new-tokens 4 --no-eos --layers 0,3 --unanswered last-letter --threads 1 --out acts --save \"{folder}\"";
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            // Wait for 20 questions: fewer might all carry one label, too few classes for an activation set (then nothing is bound).
            if (e is DisplayedValueUpdated d && System.Text.RegularExpressions.Regex.Match(d.Formatted("text/plain"), @"(\d+)/4000 questions \(0 resumed\)") is { Success: true } m
                && int.Parse(m.Groups[1].Value) >= 20) started.TrySetResult();
        });

        var running = kernel.SubmitAsync(line);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await kernel.SendAsync(new Cancel());
        var interrupted = await running;

        Assert.NotNull(interrupted.Failure());
        var partial = await kernel.EventuallyBoundAsync<ActivationSet>("acts");
        int done = File.ReadAllLines(Path.Combine(folder, "records.jsonl")).Length;
        // 4000 questions: a quiet machine records the tiny fixture's 400 within the panel's 1 s update interval, before the interrupt lands.
        Assert.InRange(done, 20, 3999);
        Assert.Equal(done, partial.Count);
        Assert.Equal(2, partial.Layers);
        Assert.Equal("2", (await kernel.SubmitAsync("$\"{1 + 1}\"")).ReturnedText());

        var resumed = await kernel.SubmitAsync(line + " --limit " + (done + 3));
        resumed.AssertSucceeded();
        Assert.Equal(done + 3, kernel.Bound<ActivationSet>("acts").Count);
        Assert.Contains($"({done} resumed from the folder)", string.Join("\n", resumed.Html()));
    }

    [Theory]
    [InlineData("#!llm-load --model /no/such/folder", "--model /no/such/folder: no such folder")]
    [InlineData("#!llm-load", "--model is required")]
    [InlineData("#!llm-load --model {model} --dtype float8", "--dtype")]
    [InlineData("#!llm-cot --model nothing --questions q.jsonl", "there is no variable 'nothing'")]
    [InlineData("#!llm-cot --model llm", "--questions is required")]
    [InlineData("#!llm-cot --model llm --questions {bad}", "line 3 is not valid JSON")]
    [InlineData("#!llm-cot --model llm --questions {questions} --layers 9", "--layers 9: this model has layers 0..3")]
    [InlineData("#!llm-cot --model llm --questions {questions} --max-new-tokens 0", "--max-new-tokens must be from 1 to 1000000 (got 0)")]
    [InlineData("#!llm-generate --model llm --top-p 0", "--top-p")]
    [InlineData("#!llm-generate --model llm", "--prompt is required")]
    [InlineData("#!llm-generate --model llm --prompt hi --top-k -1", "--top-k")]
    public async Task LlmCommands_BadInput_FailWithAClearMessage_ThenTheKernelRunsTheNextCell(string line, string expected)
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync(LlmTestFixture.LoadLine())).AssertSucceeded();
        line = line.Replace("{model}", $"\"{LlmTestFixture.Model}\"").Replace("{questions}", $"\"{LlmTestFixture.Questions(4)}\"")
                   .Replace("{bad}", $"\"{LlmTestFixture.Questions(4, bad: "not json")}\"");

        var result = await kernel.SubmitAsync(line);

        Assert.Contains(expected, result.Failure()?.Message ?? "(no failure)");
        Assert.Equal("2", (await kernel.SubmitAsync("$\"{1 + 1}\"")).ReturnedText());
    }

    [Fact]
    public async Task LlmLoad_DeviceCuda_WithoutAGpu_SaysSoAndTheKernelLives_WithAGpu_PutsTheModelThere()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var result = await kernel.SubmitAsync($"#!llm-load --model \"{LlmTestFixture.Model}\" --device cuda --out gpu");
        if (LatentLab.Torch.TorchRuntime.CudaAvailable())
        {
            result.AssertSucceeded();
            Assert.Equal(TorchSharp.DeviceType.CUDA, kernel.Bound<LatentLab.LanguageModels.LanguageModel>("gpu").Device.type);
        }
        else
        {
            var message = result.Failure()?.Message ?? "(no failure)";
            Assert.Contains("--device cuda was asked for, but no CUDA device is available here", message);
            Assert.Contains("--device cpu", message);
        }
        Assert.Equal("2", (await kernel.SubmitAsync("$\"{1 + 1}\"")).ReturnedText());
    }
}
