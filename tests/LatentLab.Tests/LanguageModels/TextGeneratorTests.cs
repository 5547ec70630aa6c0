using LatentLab.LanguageModels;
using LatentLab.Options;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.LanguageModels;

public class TextGeneratorTests
{
    public TextGeneratorTests() => TorchRuntime.EnsureInitialized();

    static readonly int[] Prompt = [5, 77, 300, 12, 9];

    static long[] Greedy(LanguageModel model, int n)
    {
        using var ids = tensor(Prompt.Select(i => (long)i).ToArray()).view(1, -1);
        using var greedy = model.GenerateGreedy(ids, n);
        return greedy.data<long>().ToArray();
    }

    [Fact]
    public void Generate_TemperatureZero_IsGreedyDecoding()
    {
        using var model = ChatFixture.Load();
        var result = TextGenerator.Generate(model, model.Tokenizer!, Prompt, new GenerationOptions { MaxNewTokens = 12, StopAtEos = false }, null, false);
        Assert.Equal(Greedy(model, 12), result.Tokens.Select(t => (long)t));
        Assert.Equal(GenerationStopReason.MaxNewTokens, result.StopReason);
        Assert.Equal(model.Tokenizer!.Decode(result.Tokens, skipSpecialTokens: true), result.Text);
    }

    [Fact]
    public void Generate_Sampling_SameSeedSameTokens_OtherSeedOtherTokens()
    {
        using var model = ChatFixture.Load();
        GenerationOptions Options(int seed) => new() { MaxNewTokens = 24, Temperature = 1.5, TopP = 0.95, Seed = seed, StopAtEos = false };
        var a = TextGenerator.Generate(model, model.Tokenizer!, Prompt, Options(7), null, false).Tokens;
        var b = TextGenerator.Generate(model, model.Tokenizer!, Prompt, Options(7), null, false).Tokens;
        var c = TextGenerator.Generate(model, model.Tokenizer!, Prompt, Options(8), null, false).Tokens;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(Greedy(model, 24), a.Select(t => (long)t));   // it did sample
    }

    [Fact]
    public void Generate_TinyTopP_KeepsOnlyTheMostLikelyToken_SoItIsGreedy()
    {
        using var model = ChatFixture.Load();
        var result = TextGenerator.Generate(model, model.Tokenizer!, Prompt, new GenerationOptions { MaxNewTokens = 10, Temperature = 1, TopP = 1e-6, Seed = 3, StopAtEos = false }, null, false);
        Assert.Equal(Greedy(model, 10), result.Tokens.Select(t => (long)t));
    }

    [Fact]
    public void Generate_StopsAtTheEosToken_ThatConfigJsonNames()
    {
        long[] greedy;
        using (var plain = ChatFixture.Load()) greedy = Greedy(plain, 10);
        int k = Enumerable.Range(1, 9).First(i => !greedy.Take(i).Contains(greedy[i]));   // the first token not seen before it
        var folder = ChatFixture.CopyWithEos((int)greedy[k]);
        using var model = ChatFixture.Load(folder);

        var stopped = TextGenerator.Generate(model, model.Tokenizer!, Prompt, new GenerationOptions { MaxNewTokens = 10 }, null, false);
        var ignored = TextGenerator.Generate(model, model.Tokenizer!, Prompt, new GenerationOptions { MaxNewTokens = 10, StopAtEos = false }, null, false);

        Assert.Equal(GenerationStopReason.EndOfSequence, stopped.StopReason);
        Assert.Equal(greedy.Take(k + 1), stopped.Tokens.Select(t => (long)t));
        Assert.Equal(greedy, ignored.Tokens.Select(t => (long)t));
        Directory.Delete(folder, true);
    }

    [Fact]
    public void Generate_StopString_EndsGenerationAndCutsTheText()
    {
        using var model = ChatFixture.Load();
        var full = TextGenerator.Generate(model, model.Tokenizer!, Prompt, new GenerationOptions { MaxNewTokens = 16, StopAtEos = false }, null, false);
        var stop = full.Text.Substring(full.Text.Length / 2, 1);
        int at = full.Text.IndexOf(stop, StringComparison.Ordinal);

        var cut = TextGenerator.Generate(model, model.Tokenizer!, Prompt, new GenerationOptions { MaxNewTokens = 16, StopAtEos = false, Stop = [stop] }, null, false);

        Assert.Equal(GenerationStopReason.StopString, cut.StopReason);
        Assert.Equal(full.Text[..at], cut.Text);
        Assert.True(cut.Tokens.Count < 16);
    }

    [Fact]
    public void GenerationOptions_BadValues_NameTheKnob()
    {
        var e = Assert.Throws<OptionsException>(() => new GenerationOptions { TopP = 0, Temperature = -1 }.Validate());
        Assert.Contains("--top-p", e.Message);
        Assert.Contains("--temperature", e.Message);
    }
}
