using LatentLab.LanguageModels;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// Seeded sampling (temperature, top-k, top-p): the draws follow the model's own probabilities (a chi-square test with a
/// fixed seed against softmax(logits / T) computed here in double), never leave the top-k / nucleus, and a batch gives
/// every row the tokens it gets alone with the same seed.
/// </summary>
public class SamplingTests
{
    readonly Device _device = TorchRuntime.ResolveDevice("cpu");

    static readonly int[] Prompt = [5, 77, 300, 12, 9];

    double[] NextLogits(LanguageModel model)
    {
        using var ids = tensor(Prompt.Select(i => (long)i).ToArray(), device: _device).view(1, -1);
        using var logits = model.NextTokenLogits(ids, null, null);                 // (1, V)
        return logits[0].to(float64).to(CPU).data<double>().ToArray();
    }

    static double[] Softmax(double[] logits, double temperature)
    {
        double max = logits.Max();
        var e = logits.Select(l => Math.Exp((l - max) / temperature)).ToArray();
        double sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }

    // Pearson's chi-square of the counts against the expected probabilities (bins with an expected count under 5 pooled),
    // and its degrees of freedom. For a correct sampler chi2 ≈ df ± sqrt(2 df); the tests allow df + 6 sqrt(2 df) (p < 1e-6).
    static (double Chi2, int Df) ChiSquare(int[] counts, double[] expected, int n)
    {
        double chi2 = 0, pooledObserved = 0, pooledExpected = 0;
        int bins = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i] * n;
            if (e < 5) { pooledObserved += counts[i]; pooledExpected += e; continue; }
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
            bins++;
        }
        if (pooledExpected >= 5) { chi2 += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected; bins++; }
        return (chi2, bins - 1);
    }

    int[] Draw(double[] logits, double temperature, int topK, double topP, int seed, int n)
    {
        var sampler = new TokenSampler(temperature, topP, seed, topK);
        using var row = tensor(logits, device: _device).to(float32);
        var counts = new int[logits.Length];
        for (int i = 0; i < n; i++) counts[sampler.Next(row)]++;
        return counts;
    }

    static void AssertFollows(int[] counts, double[] expected, int n)
    {
        var (chi2, df) = ChiSquare(counts, expected, n);
        Assert.True(df >= 5, $"too few bins ({df + 1}) for the test to mean anything");
        Assert.True(chi2 < df + 6 * Math.Sqrt(2 * df), $"chi2 = {chi2:F1} with {df} degrees of freedom: the draws do not follow the expected distribution");
    }

    [Fact]
    public void Draws_FollowSoftmaxOverTemperature()
    {
        using var model = ChatFixture.Load();
        var logits = NextLogits(model);
        const int n = 20_000;
        var counts = Draw(logits, 1.5, 0, 1.0, seed: 11, n);
        AssertFollows(counts, Softmax(logits, 1.5), n);
        // The same test rejects the wrong temperature: it has the power to fail.
        var (chi2, df) = ChiSquare(counts, Softmax(logits, 1.0), n);
        Assert.True(chi2 > df + 6 * Math.Sqrt(2 * df), $"chi2 against T = 1 is only {chi2:F1} (df {df})");
    }

    [Fact]
    public void TopK_DrawsOnlyTheKMostLikely_InProportion()
    {
        using var model = ChatFixture.Load();
        var logits = NextLogits(model);
        const int n = 20_000, k = 8;
        var p = Softmax(logits, 0.7);
        var top = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).Take(k).ToHashSet();
        var counts = Draw(logits, 0.7, k, 1.0, seed: 5, n);
        Assert.All(Enumerable.Range(0, p.Length).Where(i => !top.Contains(i)), i => Assert.Equal(0, counts[i]));
        double mass = top.Sum(i => p[i]);
        AssertFollows(counts, p.Select((x, i) => top.Contains(i) ? x / mass : 0).ToArray(), n);
    }

    [Fact]
    public void TopP_DrawsOnlyTheNucleus_InProportion()
    {
        using var model = ChatFixture.Load();
        var logits = NextLogits(model);
        const int n = 20_000;
        const double topP = 0.6;
        var p = Softmax(logits, 1.0);
        // The nucleus: most likely first, while the mass before the token is below top-p.
        var order = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ToArray();
        var nucleus = new HashSet<int>();
        double before = 0;
        foreach (var i in order) { if (before >= topP) break; nucleus.Add(i); before += p[i]; }
        Assert.InRange(nucleus.Count, 6, p.Length - 1);   // a real cut, wide enough to test proportions
        var counts = Draw(logits, 1.0, 0, topP, seed: 9, n);
        Assert.All(Enumerable.Range(0, p.Length).Where(i => !nucleus.Contains(i)), i => Assert.Equal(0, counts[i]));
        double mass = nucleus.Sum(i => p[i]);
        AssertFollows(counts, p.Select((x, i) => nucleus.Contains(i) ? x / mass : 0).ToArray(), n);
    }

    static readonly IReadOnlyList<int>[] Prompts = [[5, 77, 300, 12, 9], [41, 3], [200, 201, 7, 90, 11, 12, 400, 8, 1]];

    static GenerationOptions Sampled(int seed = 0) => new() { MaxNewTokens = 14, Temperature = 1.2, TopK = 50, TopP = 0.9, Seed = seed, StopAtEos = false };

    [Fact]
    public void Batch_GivesEveryRowItsTokensAlone_WithSeedPlusRow()
    {
        using var model = ChatFixture.Load();
        var batch = TextGenerator.GenerateBatch(model, model.Tokenizer!, Prompts, Sampled(seed: 3));
        for (int r = 0; r < Prompts.Length; r++)
        {
            var alone = TextGenerator.Generate(model, model.Tokenizer!, Prompts[r], Sampled(seed: 3 + r), null, false);
            Assert.Equal(alone.Tokens, batch[r].Tokens);
            Assert.Equal(alone.Text, batch[r].Text);
        }
        Assert.NotEqual(batch[0].Tokens, batch[1].Tokens);
    }

    [Fact]
    public void Batch_ARowsTokens_DoNotDependOnItsBatchMates()
    {
        using var model = ChatFixture.Load();
        var a = TextGenerator.GenerateBatch(model, model.Tokenizer!, Prompts, Sampled(), seeds: [21, 22, 23]);
        var b = TextGenerator.GenerateBatch(model, model.Tokenizer!, [[9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9], Prompts[1]], Sampled(), seeds: [99, 22]);
        Assert.Equal(a[1].Tokens, b[0 + 1].Tokens);
        var again = TextGenerator.GenerateBatch(model, model.Tokenizer!, Prompts, Sampled(), seeds: [21, 22, 23]);
        Assert.All(Enumerable.Range(0, Prompts.Length), r => Assert.Equal(a[r].Tokens, again[r].Tokens));   // same seeds, same tokens
        var other = TextGenerator.GenerateBatch(model, model.Tokenizer!, Prompts, Sampled(), seeds: [31, 32, 33]);
        Assert.NotEqual(a[0].Tokens, other[0].Tokens);
    }

    [Fact]
    public void Batch_Greedy_EqualsGreedyDecodingOfEachPromptAlone()
    {
        using var model = ChatFixture.Load();
        var batch = TextGenerator.GenerateBatch(model, model.Tokenizer!, Prompts, new GenerationOptions { MaxNewTokens = 10, StopAtEos = false });
        for (int r = 0; r < Prompts.Length; r++)
        {
            using var ids = tensor(Prompts[r].Select(i => (long)i).ToArray(), device: _device).view(1, -1);
            using var greedy = model.GenerateGreedy(ids, 10);
            Assert.Equal(greedy.data<long>().ToArray(), batch[r].Tokens.Select(t => (long)t));
        }
    }

    [Fact]
    public void Batch_RowsStopOnTheirOwn()
    {
        using var model = ChatFixture.Load();
        var full = TextGenerator.GenerateBatch(model, model.Tokenizer!, Prompts, Sampled(seed: 4));
        // A stop string taken from row 0's own text ends row 0 early and leaves the others as they were.
        var text0 = full[0].Text;
        var stop = text0.Substring(text0.Length / 3, 2);
        Assert.False(string.IsNullOrWhiteSpace(stop));
        var cut = TextGenerator.GenerateBatch(model, model.Tokenizer!, Prompts, Sampled(seed: 4) with { Stop = [stop] });
        Assert.Equal(GenerationStopReason.StopString, cut[0].StopReason);
        Assert.True(cut[0].Tokens.Count < full[0].Tokens.Count);
        Assert.Equal(full[0].Tokens.Take(cut[0].Tokens.Count), cut[0].Tokens);
        for (int r = 1; r < Prompts.Length; r++)
            if (!full[r].Text.Contains(stop)) Assert.Equal(full[r].Tokens, cut[r].Tokens);
    }

    [Fact]
    public void Batch_BadInput_IsNamed()
    {
        using var model = ChatFixture.Load();
        Assert.Contains("Prompt 1 of the batch has no tokens", Assert.Throws<ArgumentException>(() =>
            TextGenerator.GenerateBatch(model, model.Tokenizer!, [[1, 2], []], Sampled())).Message);
        Assert.Contains("one per prompt", Assert.Throws<ArgumentException>(() =>
            TextGenerator.GenerateBatch(model, model.Tokenizer!, Prompts, Sampled(), seeds: [1])).Message);
    }
}
