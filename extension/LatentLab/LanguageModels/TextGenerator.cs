using LatentLab.Torch;
using System.Diagnostics;
using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// Generation for one sequence with the KV cache: prefill the prompt, then one token per step, chosen by
/// <see cref="TokenSampler"/> (greedy at temperature 0), until <see cref="GenerationOptions.MaxNewTokens"/>, an
/// end-of-sequence token or a stop string. An observer sees every forward pass (the prompt's, then each new token's),
/// which is how <see cref="CotRecorder"/> reads the residual stream without a second pass.
/// </summary>
public static class TextGenerator
{
    /// <summary>Generates from the text <paramref name="prompt"/> (encoded without special tokens added).</summary>
    public static GenerationResult Generate(LanguageModel model, LanguageModelTokenizer tokenizer, string prompt, GenerationOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(prompt);
        var ids = tokenizer.Encode(prompt, addSpecialTokens: true);
        if (ids.Length == 0) throw new ArgumentException("The prompt is empty: give at least one character to continue from.", nameof(prompt));
        return Generate(model, tokenizer, ids, options, null, false, cancellationToken);
    }

    /// <summary>
    /// Generates from <paramref name="promptIds"/>. <paramref name="observe"/> (if given) is called with the output of every
    /// forward pass after the prompt's (one new token each) and the number of new tokens generated before it (1, 2, ...);
    /// its tensors are disposed after the call. The prompt's pass is not observed: it computes the last position's logits
    /// only (the head over every prompt position would cost a third of the prompt's pass at a 150k vocabulary). With
    /// <paramref name="feedLastToken"/> the last new token is also run through the model (one more pass, observed, its
    /// logits unused), so the observer sees the residual stream at every generated token.
    /// </summary>
    public static GenerationResult Generate(LanguageModel model, LanguageModelTokenizer tokenizer, IReadOnlyList<int> promptIds, GenerationOptions options,
        Action<LanguageModelOutput, int>? observe, bool feedLastToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        model.ThrowIfDisposed();
        if (promptIds.Count == 0) throw new ArgumentException("The prompt has no tokens.", nameof(promptIds));
        // Refuse before allocating the KV cache and the prompt's pass when the machine cannot hold them.
        MemoryBudget.Ensure(MemoryEstimates.LlmGeneration(model.Config, model.DType == float32 ? 4 : 2, promptIds.Count, options.MaxNewTokens), model.Device);
        var eos = EosIds(model, tokenizer);
        var sampler = new TokenSampler(options.Temperature, options.TopP, options.Seed, options.TopK);
        var watch = Stopwatch.StartNew();
        var generated = new List<int>();
        var reason = GenerationStopReason.MaxNewTokens;
        string? stopped = null;
        using var cache = new KvCache(model.Config.Layers, promptIds.Count + options.MaxNewTokens + 1);   // + the last token's pass
        using var noGrad = no_grad();
        var step = promptIds.Select(i => (long)i).ToArray();
        while (true)
        {
            using var scope = NewDisposeScope();
            using var input = tensor(step, dtype: int64, device: model.Device).view(1, -1);     // (1, T)
            Tensor last;                                                                       // (V,) logits of the last position
            if (observe is not null && generated.Count > 0)
            {
                using var output = model.Forward(input, null, cache);                          // logits (1, 1, V) and every state
                observe(output, generated.Count);
                last = output.Logits[0, -1];
            }
            else last = model.NextTokenLogits(input, null, cache)[0];                         // the prompt's pass: no states, one head row
            if (generated.Count >= options.MaxNewTokens || reason != GenerationStopReason.MaxNewTokens) break;  // the extra pass of feedLastToken
            if (cancellationToken.IsCancellationRequested) { reason = GenerationStopReason.Cancelled; break; }
            int next = sampler.Next(last);                                                     // from (V,)
            generated.Add(next);
            if (options.StopAtEos && eos.Contains(next)) reason = GenerationStopReason.EndOfSequence;
            else if (options.Stop is { Count: > 0 } stops && (stopped = FirstStop(tokenizer.Decode(generated, skipSpecialTokens: true), stops)) is not null)
                reason = GenerationStopReason.StopString;
            bool done = reason != GenerationStopReason.MaxNewTokens || generated.Count >= options.MaxNewTokens;
            if (done && !feedLastToken) break;
            step = [next];
        }
        var text = tokenizer.Decode(generated, skipSpecialTokens: true);
        if (stopped is not null) text = text[..text.IndexOf(stopped, StringComparison.Ordinal)];
        return new GenerationResult(generated, text, reason, watch.Elapsed);
    }

    /// <summary>
    /// Generates for a batch of prompts at once: left-padded into one (B, T) batch with an attention mask, one KV cache, one
    /// forward pass per step for all rows still going. Row r samples with seed <c>seeds[r]</c> (default
    /// <see cref="GenerationOptions.Seed"/> + r) from its own generator, so it yields the tokens that
    /// <see cref="Generate(LanguageModel, LanguageModelTokenizer, IReadOnlyList{int}, GenerationOptions, Action{LanguageModelOutput, int}?, bool, CancellationToken)"/>
    /// gives that prompt alone with that seed (up to float rounding of batched arithmetic, which can move a draw only when
    /// it falls within ~1e-6 of a boundary between two tokens). Each row stops on its own (EOS, stop string, max tokens);
    /// finished rows keep being fed their last token, masked out of nothing and read by no one, until all are done.
    /// <see cref="GenerationResult.Elapsed"/> is the batch's wall time, the same for every row.
    /// </summary>
    public static IReadOnlyList<GenerationResult> GenerateBatch(LanguageModel model, LanguageModelTokenizer tokenizer, IReadOnlyList<IReadOnlyList<int>> prompts,
        GenerationOptions options, IReadOnlyList<int>? seeds = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int b = prompts.Count;
        if (b == 0) throw new ArgumentException("The batch has no prompts.", nameof(prompts));
        for (int r = 0; r < b; r++)
            if (prompts[r] is null || prompts[r].Count == 0) throw new ArgumentException($"Prompt {r} of the batch has no tokens.", nameof(prompts));
        if (seeds is not null && seeds.Count != b) throw new ArgumentException($"seeds has {seeds.Count} entries for {b} prompts; give one per prompt (or none).", nameof(seeds));
        var eos = EosIds(model, tokenizer);
        var sampler = new TokenSampler(options.Temperature, options.TopP, options.TopK, seeds ?? Enumerable.Range(0, b).Select(r => options.Seed + r).ToArray());
        using var memory = NativeAllocator.ReturnLargeBlocks();   // for the whole generation, not step by step (see NativeAllocator)
        var watch = Stopwatch.StartNew();
        var generated = Enumerable.Range(0, b).Select(_ => new List<int>()).ToArray();
        var reasons = Enumerable.Repeat(GenerationStopReason.MaxNewTokens, b).ToArray();
        var stopped = new string?[b];
        var active = Enumerable.Repeat(true, b).ToArray();

        // Left padding: row r = [0] * (T - n_r) + prompt_r; mask 0 on the padding (pad id 0 is never attended).
        int t = prompts.Max(p => p.Count);
        var ids = new long[b * t];
        var mask = new long[b * t];
        for (int r = 0; r < b; r++)
            for (int i = 0; i < prompts[r].Count; i++)
            {
                ids[r * t + t - prompts[r].Count + i] = prompts[r][i];
                mask[r * t + t - prompts[r].Count + i] = 1;
            }
        using var cache = new KvCache(model.Config.Layers, t + options.MaxNewTokens + 1);
        using var noGrad = no_grad();
        var attention = tensor(mask, [b, t], dtype: int64, device: model.Device);                 // (B, S) grows by one per step
        var step = tensor(ids, [b, t], dtype: int64, device: model.Device);                       // (B, T), then (B, 1)
        try
        {
            while (active.Any(a => a))
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    for (int r = 0; r < b; r++) if (active[r]) reasons[r] = GenerationStopReason.Cancelled;
                    break;
                }
                int[] next;
                using (var scope = NewDisposeScope())
                using (var logits = model.NextTokenLogits(step, attention, cache))                     // (B, V)
                    next = sampler.Next(logits, active);
                var feed = new long[b];
                for (int r = 0; r < b; r++)
                {
                    if (!active[r]) { feed[r] = generated[r].Count > 0 ? generated[r][^1] : prompts[r][^1]; continue; }
                    generated[r].Add(next[r]);
                    feed[r] = next[r];
                    if (options.StopAtEos && eos.Contains(next[r])) reasons[r] = GenerationStopReason.EndOfSequence;
                    else if (options.Stop is { Count: > 0 } stops && (stopped[r] = FirstStop(tokenizer.Decode(generated[r], skipSpecialTokens: true), stops)) is not null)
                        reasons[r] = GenerationStopReason.StopString;
                    if (reasons[r] != GenerationStopReason.MaxNewTokens || generated[r].Count >= options.MaxNewTokens) active[r] = false;
                }
                if (!active.Any(a => a)) break;
                step.Dispose();
                step = tensor(feed, [b, 1], dtype: int64, device: model.Device);
                var grown = cat([attention, ones(b, 1, dtype: int64, device: model.Device)], dim: 1);
                attention.Dispose();
                attention = grown;
            }
        }
        finally
        {
            step.Dispose();
            attention.Dispose();
        }
        var elapsed = watch.Elapsed;
        return Enumerable.Range(0, b).Select(r =>
        {
            var text = tokenizer.Decode(generated[r], skipSpecialTokens: true);
            if (stopped[r] is { } s) text = text[..text.IndexOf(s, StringComparison.Ordinal)];
            return new GenerationResult(generated[r], text, reasons[r], elapsed);
        }).ToArray();
    }

    /// <summary>The ids that end a sequence: config.json's eos_token_id(s) and the tokenizer's eos token (Qwen3: &lt;|im_end|&gt;).</summary>
    public static HashSet<int> EosIds(LanguageModel model, LanguageModelTokenizer tokenizer)
    {
        var eos = new HashSet<int>(model.Config.EosTokenIds);
        if (tokenizer.EosToken is { } e && tokenizer.SpecialTokenId(e) is { } id) eos.Add(id);
        return eos;
    }

    static string? FirstStop(string text, IReadOnlyList<string> stops) => stops.FirstOrDefault(s => text.Contains(s, StringComparison.Ordinal));
}
