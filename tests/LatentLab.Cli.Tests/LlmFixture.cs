using LatentLab.LanguageModels;

namespace LatentLab.Cli.Tests;

/// <summary>
/// The tiny qwen3 checkpoint of the shared fixtures (../shared/fixtures/llm above the test binary, or LATENTLAB_LLM_FIXTURES, as
/// tests/LatentLab.Tests finds them) with a 512-token cut of the real Qwen3 tokenizer, and small question files.
/// </summary>
public static class LlmFixture
{
    static readonly Lazy<string> Root = new(() =>
    {
        if (Environment.GetEnvironmentVariable("LATENTLAB_LLM_FIXTURES") is { Length: > 0 } env)
            return Directory.Exists(env) ? env : throw new DirectoryNotFoundException($"LATENTLAB_LLM_FIXTURES={env} does not exist.");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "llm");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"No shared/fixtures/llm folder above {AppContext.BaseDirectory} (or set LATENTLAB_LLM_FIXTURES).");
    });

    static readonly Lazy<string> SmallTokenizer = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), $"latentlab-cli-tok512-{Environment.ProcessId}");
        SmallVocabularyTokenizer.Write(Path.Combine(Root.Value, "tokenizers", "qwen3"), dir, 512);
        return dir;
    });

    /// <summary>The qwen3 checkpoint folder (no tokenizer.json in it).</summary>
    public static string Model => Path.Combine(Root.Value, "qwen3");

    /// <summary>A folder with the 512-token tokenizer.</summary>
    public static string Tokenizer => SmallTokenizer.Value;

    /// <summary>The model with the small tokenizer, loaded directly (the reference for the tool's output).</summary>
    public static LanguageModel Load() => new LanguageModelSource { Model = Model, Tokenizer = Tokenizer }.Load(TorchSharp.torch.CPU, needTokenizer: true);

    /// <summary>A .jsonl of <paramref name="count"/> two-option questions in groups of two.</summary>
    public static string Questions(int count)
    {
        var path = Path.Combine(CliHost.TempFolder(), "questions.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, count)
            .Select(i => $"{{\"question\": \"Is {i} larger than {count - i}?\", \"options\": [\"yes\", \"no\"], \"answer\": \"{(i > count - i ? "A" : "B")}\", \"group\": {i / 2}}}"));
        return path;
    }
}
