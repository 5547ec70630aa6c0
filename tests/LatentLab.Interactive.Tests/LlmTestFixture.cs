using LatentLab.LanguageModels;

namespace LatentLab.Interactive.Tests;

/// <summary>
/// The qwen3 fixture model of shared/fixtures/llm (found by walking up from the test binary, or LATENTLAB_LLM_FIXTURES)
/// with the real Qwen3 tokenizer cut to its 512 ids, and small question files. Its answers are noise.
/// </summary>
public static class LlmTestFixture
{
    static readonly Lazy<string> Root = new(() =>
    {
        if (Environment.GetEnvironmentVariable("LATENTLAB_LLM_FIXTURES") is { Length: > 0 } env) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "llm");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"No shared/fixtures/llm folder above {AppContext.BaseDirectory} (or set LATENTLAB_LLM_FIXTURES).");
    });

    static readonly Lazy<string> SmallTokenizer = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), $"latentlab-itest-tok512-{Environment.ProcessId}");
        SmallVocabularyTokenizer.Write(Path.Combine(Root.Value, "tokenizers", "qwen3"), dir, 512);
        return dir;
    });

    public static string Model => Path.Combine(Root.Value, "qwen3");
    /// <summary>The same model saved in BF16 (shared/fixtures/llm/qwen3-bf16).</summary>
    public static string ModelBFloat16 => Path.Combine(Root.Value, "qwen3-bf16");
    public static string Tokenizer => SmallTokenizer.Value;

    /// <summary>The #!llm-load line for the fixture.</summary>
    public static string LoadLine(string outName = "llm") => $"#!llm-load --model \"{Model}\" --tokenizer \"{Tokenizer}\" --device cpu --out {outName}";

    public static string NewFolder() => Path.Combine(Path.GetTempPath(), $"latentlab-itest-cot-{Guid.NewGuid():N}");

    /// <summary>A .jsonl of <paramref name="count"/> two-option questions in groups of two; <paramref name="bad"/> replaces line 3.</summary>
    public static string Questions(int count, string? bad = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"latentlab-itest-q-{Guid.NewGuid():N}.jsonl");
        var lines = Enumerable.Range(0, count)
            .Select(i => $"{{\"question\": \"Is {i} larger than {count - i}?\", \"options\": [\"yes\", \"no\"], \"answer\": \"{(i > count - i ? "A" : "B")}\", \"group\": {i / 2}}}").ToList();
        if (bad is not null) lines[2] = bad;
        File.WriteAllLines(path, lines);
        return path;
    }
}
