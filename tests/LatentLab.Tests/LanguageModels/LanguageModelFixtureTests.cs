using LatentLab.LanguageModels;
using LatentLab.Torch;
using Xunit.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// Every fixture model against Hugging Face transformers 4.51's own outputs (shared/fixtures/llm): hidden states, layer
/// outputs and logits within the README's float32 tolerance (1e-4), compared where attention_mask is 1; greedy
/// generations token for token, with and without the KV cache, alone and batched with left padding.
/// </summary>
public class LanguageModelFixtureTests
{
    readonly ITestOutputHelper _log;

    public LanguageModelFixtureTests(ITestOutputHelper log)
    {
        _log = log;
        TorchRuntime.EnsureInitialized();
    }

    public static TheoryData<string, string> ModelCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var m in LlmFixtures.Models)
            foreach (var c in new[] { "short", "long", "batch" }) data.Add(m, c);
        return data;
    }

    public static TheoryData<string> ModelNames() => new(LlmFixtures.Models);

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void Forward_MatchesTransformers_HiddenStatesLayerOutputsAndLogits(string model, string @case)
    {
        using var scope = NewDisposeScope();
        using var lm = LanguageModel.Load(LlmFixtures.Model(model), CPU);
        var ids = LlmFixtures.Npy(model, $"{@case}.input_ids.npy");            // (B, T)
        var mask = LlmFixtures.Npy(model, $"{@case}.attention_mask.npy");      // (B, T)
        using var output = lm.Forward(ids, @case == "batch" ? mask : null);
        int l = lm.Config.Layers;
        Assert.Equal(new long[] { l + 1, ids.shape[0], ids.shape[1], lm.Config.HiddenSize }, output.HiddenStates.shape);
        foreach (var (name, actual) in new[] { ("hidden_states", output.HiddenStates), ("layer_outputs", output.LayerOutputs), ("logits", output.Logits) })
        {
            var expected = LlmFixtures.Npy(model, $"{@case}.{name}.npy");
            var (excess, maxAbs) = LlmFixtures.Compare(actual, expected, mask);
            _log.WriteLine($"{model}/{@case} {name}: max |Δ| {maxAbs:g3}");
            Assert.True(excess == 0, $"{model}/{@case} {name}: max |Δ| {maxAbs:g3} exceeds 1e-4 + 1e-4·|ref| by {excess:g3}");
        }
    }

    /// <summary>
    /// NextTokenLogits runs the last layer's queries, attention output and MLP on the last position only: its (B, V)
    /// must be transformers' logits at the last position (left-padded batch included; every row ends on a real token).
    /// </summary>
    [Theory]
    [MemberData(nameof(ModelCases))]
    public void NextTokenLogits_MatchesTransformersAtTheLastPosition(string model, string @case)
    {
        using var scope = NewDisposeScope();
        using var lm = LanguageModel.Load(LlmFixtures.Model(model), CPU);
        var ids = LlmFixtures.Npy(model, $"{@case}.input_ids.npy");            // (B, T)
        var mask = LlmFixtures.Npy(model, $"{@case}.attention_mask.npy");      // (B, T)
        long t = ids.shape[1];
        var logits = lm.NextTokenLogits(ids, @case == "batch" ? mask : null, null);   // (B, V)
        var expected = LlmFixtures.Npy(model, $"{@case}.logits.npy").select(1, t - 1);  // (B, V)
        Assert.Equal(expected.shape, logits.shape);
        var (excess, maxAbs) = LlmFixtures.Compare(logits.unsqueeze(1), expected.unsqueeze(1), ones(expected.shape[0], 1, dtype: int64));   // as (B, 1, V)
        _log.WriteLine($"{model}/{@case} last-position logits: max |Δ| {maxAbs:g3}");
        Assert.True(excess == 0, $"{model}/{@case} last-position logits: max |Δ| {maxAbs:g3} exceeds 1e-4 + 1e-4·|ref| by {excess:g3}");
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void GenerateGreedy_MatchesTransformers_WithAndWithoutCache(string model)
    {
        using var scope = NewDisposeScope();
        using var lm = LanguageModel.Load(LlmFixtures.Model(model), CPU);
        var prompt = LlmFixtures.Npy(model, "short.input_ids.npy");            // (1, 7)
        var sequences = LlmFixtures.Npy(model, "generate.sequences.npy");      // (1, 17)
        var expected = sequences.narrow(1, prompt.shape[1], 10);              // (1, 10)
        var cached = lm.GenerateGreedy(prompt, 10);
        var uncached = lm.GenerateGreedy(prompt, null, 10, useCache: false);
        Assert.Equal(expected.data<long>().ToArray(), cached.data<long>().ToArray());
        Assert.Equal(expected.data<long>().ToArray(), uncached.data<long>().ToArray());
        Assert.Equal(prompt.shape, LlmFixtures.Npy(model, "short.input_ids.npy").shape); // the prompt tensor is left as it was
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Forward_OverTheGeneratedSequence_MatchesTransformersCachedStepLogits(string model)
    {
        // generate.logits[k] is what transformers' KV-cached step k predicted (token 7+k): the whole 17-token sequence run
        // at once must give the same logits at positions 6..15 (it crosses the sliding window of 6 in Gemma).
        using var scope = NewDisposeScope();
        using var lm = LanguageModel.Load(LlmFixtures.Model(model), CPU);
        var sequences = LlmFixtures.Npy(model, "generate.sequences.npy");      // (1, 17)
        var expected = LlmFixtures.Npy(model, "generate.logits.npy");          // (1, 10, V)
        using var output = lm.Forward(sequences, null);
        var actual = output.Logits.narrow(1, 6, 10);
        var (excess, maxAbs) = LlmFixtures.Compare(actual, expected, ones(1, 10));
        _log.WriteLine($"{model} generated-step logits: max |Δ| {maxAbs:g3}");
        Assert.True(excess == 0, $"{model}: generated-step logits max |Δ| {maxAbs:g3}");
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Forward_TokenByTokenWithTheCache_MatchesOneForwardOverTheWholeSequence(string model)
    {
        // The 17-token generated sequence: a 7-token prefill, then one token at a time through the KV cache (past Gemma's
        // window of 6), against one pass over all 17 and against transformers' own cached-step logits.
        using var scope = NewDisposeScope();
        using var lm = LanguageModel.Load(LlmFixtures.Model(model), CPU);
        var sequence = LlmFixtures.Npy(model, "generate.sequences.npy");       // (1, 17)
        using var whole = lm.Forward(sequence, null);
        using var cache = new KvCache(lm.Config.Layers);
        var logits = new List<Tensor>();
        var hidden = new List<Tensor>();
        for (long start = 0; start < 17; start += start == 0 ? 7 : 1)
        {
            long n = start == 0 ? 7 : 1;
            var output = lm.Forward(sequence.narrow(1, start, n), ones(1, start + n, dtype: int64), cache);
            logits.Add(output.Logits);
            hidden.Add(output.HiddenStates);
        }
        Assert.Equal(17, cache.Length);
        var stepped = (Logits: cat(logits, dim: 1), Hidden: cat(hidden, dim: 2));
        var all = ones(1, 17);
        var (excess, maxAbs) = LlmFixtures.Compare(stepped.Logits, whole.Logits, all);
        var (excessH, maxAbsH) = LlmFixtures.Compare(stepped.Hidden, whole.HiddenStates, all);
        var (excessHf, maxAbsHf) = LlmFixtures.Compare(stepped.Logits.narrow(1, 6, 10), LlmFixtures.Npy(model, "generate.logits.npy"), ones(1, 10));
        _log.WriteLine($"{model} cached vs whole: logits {maxAbs:g3}, hidden states {maxAbsH:g3}; vs transformers' cached steps {maxAbsHf:g3}");
        Assert.True(excess == 0 && excessH == 0 && excessHf == 0, $"{model}: cached steps differ: logits {maxAbs:g3}, hidden {maxAbsH:g3}, vs transformers {maxAbsHf:g3}");
    }

    /// <summary>
    /// A large batch runs a few rows at a time, each chunk writing its rows of the KV cache. With chunks of one row in every
    /// pass (prefill and steps), the left-padded batch must give transformers' tokens and the unchunked logits.
    /// </summary>
    [Theory]
    [MemberData(nameof(ModelNames))]
    public void RowChunkedPasses_GiveTheUnchunkedLogitsAndTransformersTokens(string model)
    {
        using var scope = NewDisposeScope();
        using var lm = LanguageModel.Load(LlmFixtures.Model(model), CPU);
        var ids = LlmFixtures.Npy(model, "batch.input_ids.npy");               // (B, T), left-padded
        var mask = LlmFixtures.Npy(model, "batch.attention_mask.npy");
        Assert.True(ids.shape[0] > 1, "the batch fixture has more than one row");
        var whole = lm.NextTokenLogits(ids, mask, null);
        var shortIds = LlmFixtures.Npy(model, "short.input_ids.npy");
        var longIds = LlmFixtures.Npy(model, "long.input_ids.npy");
        long pad = longIds.shape[1] - shortIds.shape[1];
        var batch = cat([cat([zeros(1, pad, dtype: int64), shortIds], dim: 1), longIds], dim: 0);   // (2, 23)
        var batchMask = cat([cat([zeros(1, pad, dtype: int64), ones(1, shortIds.shape[1], dtype: int64)], dim: 1), ones(1, longIds.shape[1], dtype: int64)], dim: 0);
        var reference = LlmFixtures.Npy(model, "generate.sequences.npy").narrow(1, shortIds.shape[1], 10);
        var longAlone = lm.GenerateGreedy(longIds, null, 10, useCache: false);

        lm.ChunkTokensOverride = 1;
        var chunked = lm.NextTokenLogits(ids, mask, null);
        var (excess, maxAbs) = LlmFixtures.Compare(chunked.unsqueeze(1), whole.unsqueeze(1), ones(whole.shape[0], 1, dtype: int64), atol: 1e-5, rtol: 1e-5);
        _log.WriteLine($"{model}: row-chunked last-position logits against the whole batch's: max |Δ| {maxAbs:g3}");
        Assert.True(excess == 0, $"{model}: row-chunked logits differ from the whole batch's by {maxAbs:g3}");
        var generated = lm.GenerateGreedy(batch, batchMask, 10, useCache: true);   // every pass one row at a time
        Assert.Equal(reference[0].data<long>().ToArray(), generated[0].data<long>().ToArray());
        Assert.Equal(longAlone[0].data<long>().ToArray(), generated[1].data<long>().ToArray());
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void GenerateGreedy_LeftPaddedBatch_GivesEachRowItsOwnContinuation(string model)
    {
        using var scope = NewDisposeScope();
        using var lm = LanguageModel.Load(LlmFixtures.Model(model), CPU);
        var shortIds = LlmFixtures.Npy(model, "short.input_ids.npy");          // (1, 7)
        var longIds = LlmFixtures.Npy(model, "long.input_ids.npy");            // (1, 23)
        long pad = longIds.shape[1] - shortIds.shape[1];
        // row 0: the short prompt after `pad` padding tokens (id 0, mask 0); row 1: the long prompt.
        var padded = cat([zeros(1, pad, dtype: int64), shortIds], dim: 1);
        var batch = cat([padded, longIds], dim: 0);                            // (2, 23)
        var mask = cat([cat([zeros(1, pad, dtype: int64), ones(1, shortIds.shape[1], dtype: int64)], dim: 1), ones(1, longIds.shape[1], dtype: int64)], dim: 0);
        var reference = LlmFixtures.Npy(model, "generate.sequences.npy").narrow(1, shortIds.shape[1], 10);
        var longAlone = lm.GenerateGreedy(longIds, null, 10, useCache: false);

        foreach (bool useCache in new[] { true, false })
        {
            var generated = lm.GenerateGreedy(batch, mask, 10, useCache);      // (2, 10)
            Assert.Equal(new long[] { 2, 10 }, generated.shape);
            Assert.Equal(reference[0].data<long>().ToArray(), generated[0].data<long>().ToArray());
            Assert.Equal(longAlone[0].data<long>().ToArray(), generated[1].data<long>().ToArray());
        }
    }
}
