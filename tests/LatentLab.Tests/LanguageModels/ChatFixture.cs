using LatentLab.LanguageModels;
using static TorchSharp.torch;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// The qwen3 fixture model (vocab 512, random weights) with the real Qwen3 tokenizer cut down to 512 ids
/// (<see cref="SmallVocabularyTokenizer"/>): enough for the chat prompt, generation and the recorder to run end to end.
/// Its answers are noise; tests check the plumbing.
/// </summary>
public static class ChatFixture
{
    static readonly Lazy<string> TokenizerFolder = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), $"latentlab-qwen3-tok512-{Environment.ProcessId}");
        SmallVocabularyTokenizer.Write(Path.Combine(LlmFixtures.Folder, "tokenizers", "qwen3"), dir, 512);
        return dir;
    });

    public static string Tokenizer => TokenizerFolder.Value;

    /// <summary>The qwen3 fixture from <paramref name="folder"/> (default: the fixture itself) with the small tokenizer.</summary>
    public static LanguageModel Load(string? folder = null)
    {
        var model = LanguageModel.Load(folder ?? LlmFixtures.Model("qwen3"), CPU);
        model.UseTokenizer(LanguageModelTokenizer.Load(Tokenizer));
        return model;
    }

    /// <summary>A copy of the qwen3 fixture folder whose config.json names <paramref name="eos"/> as eos_token_id.</summary>
    public static string CopyWithEos(int eos)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"latentlab-qwen3-eos{eos}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(LlmFixtures.Model("qwen3"), "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var config = File.ReadAllText(Path.Combine(LlmFixtures.Model("qwen3"), "config.json")).Replace("\"eos_token_id\": 2", $"\"eos_token_id\": {eos}");
        File.WriteAllText(Path.Combine(dir, "config.json"), config);
        return dir;
    }

    /// <summary>A question file of <paramref name="count"/> two- or three-option questions in a temporary folder.</summary>
    public static string Questions(int count, string? extraLine = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"latentlab-questions-{Guid.NewGuid():N}.jsonl");
        var lines = Enumerable.Range(0, count).Select(i => i % 2 == 0
            ? $"{{\"question\": \"Is {i} even?\", \"options\": [\"yes\", \"no\"], \"answer\": \"A\", \"group\": \"g{i / 4}\"}}"
            : $"{{\"question\": \"Which is larger, {i} or {i + 1}?\", \"options\": [\"{i}\", \"{i + 1}\", \"equal\"], \"answer\": 1, \"group\": \"g{i / 4}\"}}").ToList();
        if (extraLine is not null) lines.Insert(2, extraLine);
        File.WriteAllLines(path, lines);
        return path;
    }
}
