using LatentLab.LanguageModels;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>Shared set-up of the language-model hostile cases: the fixture model bound as 'llm' and one reply bound as 'earlier'.</summary>
internal static class LlmHostile
{
    public static async Task<Microsoft.DotNet.Interactive.CompositeKernel> WithModelAsync()
    {
        var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync(LlmTestFixture.LoadLine())).AssertSucceeded();
        (await kernel.SubmitAsync("#!llm-generate --prompt \"Hello\" --raw --max-new-tokens 2 --no-eos --out earlier")).AssertSucceeded();
        return kernel;
    }

    public static (string, Type)[] Bound => [("llm", typeof(LanguageModel)), ("earlier", typeof(GenerationResult))];
}

/// <summary>#!llm-load with hostile but realistic folders; after each, the kernel lives and earlier results are bound.</summary>
public class LlmLoadHostileTests
{
    [Fact]
    public async Task ACheckpointDeclaringMoreWeightsThanMemory_IsRefusedFromItsHeader_NamingTheEstimateAndDtype()
    {
        using var kernel = await LlmHostile.WithModelAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"latentlab-itest-huge-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(Path.Combine(LlmTestFixture.Model, "config.json"), Path.Combine(folder, "config.json"));
            // A sparse 200 GB file: the header declares the embedding, the file has its length but no data on disk.
            var header = "{\"model.embed_tokens.weight\":{\"dtype\":\"BF16\",\"shape\":[1000000,100000],\"data_offsets\":[0,200000000000]}}";
            header += new string(' ', (8 - header.Length % 8) % 8);
            using (var fs = new FileStream(Path.Combine(folder, "model.safetensors"), FileMode.CreateNew))
            {
                fs.Write(BitConverter.GetBytes((long)header.Length));
                fs.Write(System.Text.Encoding.UTF8.GetBytes(header));
                fs.SetLength(8 + header.Length + 200_000_000_000L);
            }

            var (result, elapsed) = await kernel.TimedAsync($"#!llm-load --model \"{folder}\" --device cpu --out big");

            result.AssertCleanFailure("#!llm-load", "need about", "available (", "100000000000 parameters", "--dtype bfloat16");
            Assert.True(elapsed < TimeSpan.FromSeconds(20), $"the refusal took {elapsed}");
            await kernel.AssertAliveAsync(LlmHostile.Bound);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Theory]
    [InlineData("config.json", "")]
    [InlineData("config.json", "{}")]
    [InlineData("config.json", "{\"model_type\": \"qwen3\", \"hidden_size\": NaN}")]
    [InlineData("model.safetensors", "")]
    public async Task EmptyOrBrokenFiles_GetAMessageNamingTheFile(string file, string content)
    {
        using var kernel = await LlmHostile.WithModelAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"latentlab-itest-broken-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(Path.Combine(LlmTestFixture.Model, "config.json"), Path.Combine(folder, "config.json"));
            File.Copy(Path.Combine(LlmTestFixture.Model, "model.safetensors"), Path.Combine(folder, "model.safetensors"));
            File.WriteAllText(Path.Combine(folder, file), content);

            var result = await kernel.SubmitAsync($"#!llm-load --model \"{folder}\" --device cpu --out broken");

            result.AssertCase($"{file} = '{content}'", "#!llm-load", file.Replace(".json", ""));
            await kernel.AssertAliveAsync(LlmHostile.Bound);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Theory]
    // config.json fields of the wrong type or range (a hand edit, a damaged download).
    [InlineData("config.json", "num_key_value_heads", "0", "\"num_key_value_heads\" is 0")]
    [InlineData("config.json", "num_hidden_layers", "-3", "\"num_hidden_layers\" is -3")]
    [InlineData("config.json", "hidden_size", "99999999999", "too large for this setting")]
    // tokenizer.json fields of the wrong type or range.
    [InlineData("tokenizer.json", "added_tokens", "[{\"id\": \"x\", \"content\": \"<|x|>\"}]", "added_tokens[0].id should be a token id")]
    [InlineData("tokenizer.json", "added_tokens", "{\"a\": 1}", "added_tokens should be a JSON list")]
    [InlineData("tokenizer.json", "model", "\"BPE\"", "\"model\" should be a JSON object")]
    public async Task FieldsOfTheWrongTypeOrRange_AreNamedWithTheirFile(string file, string key, string json, string expected)
    {
        using var kernel = await LlmHostile.WithModelAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"latentlab-itest-fields-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(Path.Combine(LlmTestFixture.Model, "config.json"), Path.Combine(folder, "config.json"));
            File.Copy(Path.Combine(LlmTestFixture.Model, "model.safetensors"), Path.Combine(folder, "model.safetensors"));
            foreach (var f in Directory.GetFiles(LlmTestFixture.Tokenizer)) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
            var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, file)))!.AsObject();
            node.Remove(key);
            File.WriteAllText(Path.Combine(folder, file), node.ToJsonString()[..^1] + $", \"{key}\": {json}}}");

            var result = await kernel.SubmitAsync($"#!llm-load --model \"{folder}\" --device cpu --out broken");

            result.AssertCase($"{file} {key} = {json}", "#!llm-load", file, expected);
            await kernel.AssertAliveAsync(LlmHostile.Bound);
        }
        finally { Directory.Delete(folder, true); }
    }
}

/// <summary>#!llm-generate with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class LlmGenerateHostileTests
{
    [Fact]
    public async Task ADisposedModel_IsNamed_WithHowToLoadItAgain()
    {
        using var kernel = await LlmHostile.WithModelAsync();
        (await kernel.SubmitAsync(LlmTestFixture.LoadLine("gone"))).AssertSucceeded();
        (await kernel.SubmitAsync("gone.Dispose();")).AssertSucceeded();

        var result = await kernel.SubmitAsync("#!llm-generate --model gone --prompt \"Hi\" --max-new-tokens 2 --out reply");

        result.AssertCleanFailure("--model gone", "has been disposed", $"#!llm-load --model \"{LlmTestFixture.Model}\" --out gone");
        await kernel.AssertAliveAsync(LlmHostile.Bound);
        // The science API says the same, as an ObjectDisposedException.
        var csharp = await kernel.SubmitAsync("""
            string Probe() { try { gone.Forward(TorchSharp.torch.tensor(new long[] { 1, 2 }).view(1, -1)); return "no exception"; } catch (ObjectDisposedException e) { return e.Message; } }
            Probe()
            """);
        Assert.Contains("has been disposed", csharp.ReturnedText());
    }

    [Fact]
    public async Task APromptWhoseAttentionCannotFit_IsRefusedBeforeItsForwardPass()
    {
        using var kernel = await LlmHostile.WithModelAsync();
        // 60k words: heads x prompt^2 attention scores alone need more than this machine has.
        var prompt = string.Join(" ", Enumerable.Repeat("a", 60_000));

        var (result, elapsed) = await kernel.TimedAsync($"#!llm-generate --prompt \"{prompt}\" --raw --max-new-tokens 2 --out reply");

        result.AssertCleanFailure("#!llm-generate", "need about", "available (", "prompt", "--max-new-tokens");
        Assert.True(elapsed < TimeSpan.FromSeconds(60), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(LlmHostile.Bound);
    }

    [Theory]
    [InlineData("--temperature NaN", "--temperature")]
    [InlineData("--top-p nan", "--top-p")]
    [InlineData("--temperature Infinity", "--temperature")]
    [InlineData("--max-new-tokens 0", "--max-new-tokens")]
    [InlineData("--max-new-tokens 99999999999", "--max-new-tokens")]
    public async Task NonFiniteOrOutOfRangeNumbers_AreNamed(string line, string option)
    {
        using var kernel = await LlmHostile.WithModelAsync();

        var result = await kernel.SubmitAsync($"#!llm-generate --prompt \"Hi\" {line} --out reply");

        result.AssertCase(line, option);
        await kernel.AssertAliveAsync(LlmHostile.Bound);
    }
}

/// <summary>#!llm-cot with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class LlmCotHostileTests
{
    [Fact]
    public async Task ADisposedModel_IsNamed_WithHowToLoadItAgain()
    {
        using var kernel = await LlmHostile.WithModelAsync();
        (await kernel.SubmitAsync(LlmTestFixture.LoadLine("gone"))).AssertSucceeded();
        (await kernel.SubmitAsync("gone.Dispose();")).AssertSucceeded();
        var questions = LlmTestFixture.Questions(4);

        var result = await kernel.SubmitAsync($"#!llm-cot --model gone --questions \"{questions}\" --save \"{LlmTestFixture.NewFolder()}\" --max-new-tokens 4 --out rec");

        result.AssertCleanFailure("--model gone", "has been disposed", "#!llm-load --model");
        await kernel.AssertAliveAsync(LlmHostile.Bound);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("{\"question\": \"Q?\", \"options\": [\"a\", \"b\"], \"answer\": NaN}")]
    [InlineData("{\"question\": \"Q?\", \"options\": []}")]
    [InlineData("{\"question\": 5, \"options\": [\"a\", \"b\"]}")]
    public async Task EmptyOrBrokenQuestionFiles_GetAMessageNamingTheFile(string content)
    {
        using var kernel = await LlmHostile.WithModelAsync();
        var path = Path.Combine(Path.GetTempPath(), $"latentlab-itest-badq-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, content);
        try
        {
            var result = await kernel.SubmitAsync($"#!llm-cot --questions \"{path}\" --save \"{LlmTestFixture.NewFolder()}\" --max-new-tokens 4 --out rec");

            result.AssertCase($"questions '{content}'", Path.GetFileName(path));
            await kernel.AssertAliveAsync(LlmHostile.Bound);
        }
        finally { File.Delete(path); }
    }
}
