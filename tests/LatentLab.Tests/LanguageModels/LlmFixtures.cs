using LatentLab.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// The shared transformers reference outputs (shared/fixtures/llm, see its README). The tests run from a clone whose
/// sibling folder ../shared holds them: found by walking up from the test binary, or named by LATENTLAB_LLM_FIXTURES.
/// </summary>
public static class LlmFixtures
{
    public static readonly string[] Models = ["qwen2", "qwen3", "llama3", "gemma2", "gemma3"];

    static readonly Lazy<string> Root = new(Find);

    public static string Folder => Root.Value;

    public static string Model(string name) => Path.Combine(Folder, name);

    static string Find()
    {
        if (Environment.GetEnvironmentVariable("LATENTLAB_LLM_FIXTURES") is { Length: > 0 } env)
            return Directory.Exists(env) ? env : throw new DirectoryNotFoundException($"LATENTLAB_LLM_FIXTURES={env} does not exist.");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "llm");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"No shared/fixtures/llm folder above {AppContext.BaseDirectory}. The language-model tests need the " +
            "shared fixtures beside the clone (../shared/fixtures/llm) or LATENTLAB_LLM_FIXTURES pointing at them.");
    }

    /// <summary>Reads a float32 or int64 .npy array into a CPU tensor of the same type and shape.</summary>
    public static Tensor Npy(string model, string file)
    {
        var path = Path.Combine(Model(model), file);
        var header = NpyFile.ReadHeader(path);
        var bytes = File.ReadAllBytes(path).AsSpan((int)header.DataOffset, (int)header.DataBytes);
        return header.DType switch
        {
            ArrayDType.Float32 => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray(), header.Shape),
            ArrayDType.Int64 => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes).ToArray(), header.Shape),
            var t => throw new InvalidDataException($"{path}: unexpected dtype {t}."),
        };
    }

    /// <summary>
    /// Largest |actual - expected| beyond atol + rtol·|expected| over the positions where <paramref name="mask"/> (B, T) is 1;
    /// 0 when all agree. Arrays are (..., B, T, X) or (B, T, X). Also returns the plain max |Δ| there.
    /// </summary>
    public static (double Excess, double MaxAbs) Compare(Tensor actual, Tensor expected, Tensor mask, double atol = 1e-4, double rtol = 1e-4)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        var a = actual.to(float32, CPU);
        var keep = mask.to(float32).unsqueeze(-1);                          // (B, T, 1), broadcasts over leading dims
        var diff = (a - expected).abs() * keep;
        var excess = (diff - (atol + rtol * expected.abs())).clamp_min(0) * keep;
        return (excess.max().item<float>(), diff.max().item<float>());
    }
}
