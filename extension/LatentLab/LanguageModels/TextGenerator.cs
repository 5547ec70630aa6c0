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
    /// forward pass and the number of new tokens generated before it (0: the prompt's pass); its tensors are disposed
    /// after the call. With <paramref name="feedLastToken"/> the last new token is also run through the model (one more
    /// pass, observed, its logits unused), so the observer sees the residual stream at every generated token.
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
        var sampler = new TokenSampler(options.Temperature, options.TopP, options.Seed);
        var watch = Stopwatch.StartNew();
        var generated = new List<int>();
        var reason = GenerationStopReason.MaxNewTokens;
        string? stopped = null;
        using var cache = new KvCache(model.Config.Layers);
        using var noGrad = no_grad();
        var step = promptIds.Select(i => (long)i).ToArray();
        while (true)
        {
            using var scope = NewDisposeScope();
            using var input = tensor(step, dtype: int64, device: model.Device).view(1, -1);     // (1, T)
            using var output = model.Forward(input, null, cache);                              // logits (1, T, V)
            observe?.Invoke(output, generated.Count);
            if (generated.Count >= options.MaxNewTokens || reason != GenerationStopReason.MaxNewTokens) break;  // the extra pass of feedLastToken
            if (cancellationToken.IsCancellationRequested) { reason = GenerationStopReason.Cancelled; break; }
            int next = sampler.Next(output.Logits[0, -1]);                                     // from (V,)
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

    /// <summary>The ids that end a sequence: config.json's eos_token_id(s) and the tokenizer's eos token (Qwen3: &lt;|im_end|&gt;).</summary>
    public static HashSet<int> EosIds(LanguageModel model, LanguageModelTokenizer tokenizer)
    {
        var eos = new HashSet<int>(model.Config.EosTokenIds);
        if (tokenizer.EosToken is { } e && tokenizer.SpecialTokenId(e) is { } id) eos.Add(id);
        return eos;
    }

    static string? FirstStop(string text, IReadOnlyList<string> stops) => stops.FirstOrDefault(s => text.Contains(s, StringComparison.Ordinal));
}
