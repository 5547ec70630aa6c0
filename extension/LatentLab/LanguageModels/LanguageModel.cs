using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LatentLab.LanguageModels;

/// <summary>
/// A decoder-only language model loaded from a Hugging Face checkpoint folder (Qwen2, Qwen3, Llama 3.x, Gemma2,
/// Gemma3 text), computing what transformers computes:
///
///   h = embed(ids)                       (B, T, D)    Gemma: × sqrt(D)
///   for each layer: h = layer(h)         (B, T, D)    attention (RoPE, GQA, causal + padding + window mask) and MLP
///   logits = lm_head(norm(h))            (B, T, V)    Gemma2: soft-capped
///
/// Left padding works as in transformers' generate: position ids are cumsum(mask) - 1, padded keys are never attended.
/// The per-layer code is in <see cref="DecoderLayer"/>; the switches that tell the families apart in
/// <see cref="LanguageModelConfig"/>.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    public LanguageModelConfig Config { get; }
    public Device Device { get; }
    public ScalarType DType { get; }
    /// <summary>Number of parameters (a tied output head counted once).</summary>
    public long ParameterCount { get; }
    /// <summary>Bytes of the weights as they sit in memory in <see cref="DType"/>.</summary>
    public long WeightBytes { get; }
    /// <summary>The checkpoint folder it was loaded from.</summary>
    public string Folder { get; private init; } = "";
    /// <summary>The tokenizer of the checkpoint folder (null when it has no tokenizer.json; see <see cref="UseTokenizer"/>).</summary>
    public LanguageModelTokenizer? Tokenizer { get; private set; }

    readonly Tensor _embed;                   // (V, D)
    readonly Tensor _lmHead;                  // (V, D); the same tensor as _embed when tied
    readonly Tensor _embedScale;              // () sqrt(D) in the compute dtype (Gemma), else 1
    readonly DecoderLayer[] _layers;
    readonly RmsNorm _norm;
    readonly RotaryEmbedding _rope, _localRope;

    LanguageModel(LanguageModelConfig config, SafetensorsCheckpoint weights, Device device, ScalarType dtype)
    {
        Config = config;
        Device = device;
        DType = dtype;
        long parameters = 0;
        Tensor Load(string name, long[] shape)
        {
            parameters += shape.Aggregate(1L, (a, b) => a * b);
            return weights.Load(config.WeightPrefix + name, shape, dtype, device);
        }
        long v = config.VocabSize, d = config.HiddenSize;
        _embed = Load("model.embed_tokens.weight", [v, d]);
        _layers = Enumerable.Range(0, config.Layers).Select(i => new DecoderLayer(config, i, Load)).ToArray();
        _norm = new RmsNorm(Load("model.norm.weight", [d]), config.RmsNormEps, config.GemmaNorm);
        if (config.TiedEmbeddings) _lmHead = _embed;
        else if (weights.Contains(config.WeightPrefix + "lm_head.weight")) _lmHead = Load("lm_head.weight", [v, d]);
        else throw new InvalidDataException("config.json says tie_word_embeddings is false but the checkpoint has no lm_head.weight. " +
            "Are all shards present, and is config.json from the same model?");
        _embedScale = tensor(config.GemmaBlock ? Math.Sqrt(d) : 1.0, dtype, device);
        _rope = new RotaryEmbedding(config.Rope, device);
        _localRope = new RotaryEmbedding(config.LocalRope, device);
        ParameterCount = parameters;
        WeightBytes = parameters * (dtype == float32 ? 4 : 2);
    }

    /// <summary>
    /// Loads the checkpoint in <paramref name="folder"/> (config.json + model.safetensors, or sharded with
    /// model.safetensors.index.json) onto <paramref name="device"/> (default CPU) in <paramref name="dtype"/>
    /// (float32 by default, or bfloat16), tensor by tensor from memory-mapped files.
    /// </summary>
    public static LanguageModel Load(string folder, Device? device = null, ScalarType? dtype = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var computeType = dtype ?? float32;
        if (computeType is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"Compute dtype {computeType} is not supported; use float32 (the default) or bfloat16.", nameof(dtype));
        var config = LanguageModelConfig.Load(folder);
        TorchRuntime.EnsureInitialized();
        using var weights = new SafetensorsCheckpoint(folder);
        // Refuse before allocating: the parameters the headers declare, in the compute dtype (checked shape arithmetic in double).
        double parameters = 0, largest = 0;
        foreach (var name in weights.Names)
        {
            double elements = weights.Shape(name).Aggregate(1.0, (a, b) => a * b);
            parameters += elements;
            largest = Math.Max(largest, elements);
        }
        MemoryBudget.Ensure(MemoryEstimates.LlmLoad(parameters, largest, computeType == float32 ? 4 : 2, Path.GetFullPath(folder)), device ?? CPU);
        using var noGrad = no_grad();
        var model = new LanguageModel(config, weights, device ?? CPU, computeType) { Folder = Path.GetFullPath(folder) };
        if (File.Exists(Path.Combine(folder, "tokenizer.json"))) model.UseTokenizer(LanguageModelTokenizer.Load(folder));
        return model;
    }

    /// <summary>Sets <see cref="Tokenizer"/> (e.g. from another folder); throws when it cannot belong to this model.</summary>
    public void UseTokenizer(LanguageModelTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        tokenizer.CheckMatches(Config);
        Tokenizer = tokenizer;
    }

    /// <summary>
    /// One forward pass over <paramref name="inputIds"/> (B, T) int64, with <paramref name="attentionMask"/> (B, T)
    /// (1 = token, 0 = left padding; null = all ones). Returns logits, hidden states and layer outputs.
    /// </summary>
    public LanguageModelOutput Forward(Tensor inputIds, Tensor? attentionMask = null) => Forward(inputIds, attentionMask, null);

    /// <summary>
    /// A forward pass that continues from <paramref name="cache"/> (null: none): <paramref name="inputIds"/> (B, T) are the
    /// new tokens, <paramref name="attentionMask"/> (B, cached + T) covers the cached tokens and these (null = all ones).
    /// Their keys and values are appended to the cache; the outputs cover the new tokens only.
    /// </summary>
    public LanguageModelOutput Forward(Tensor inputIds, Tensor? attentionMask, KvCache? cache)
    {
        ThrowIfDisposed();
        using var scope = NewDisposeScope();
        var states = new List<Tensor>();
        var logits = Run(inputIds, attentionMask, cache, states, lastOnly: false);
        // states = [embedding, after layer 0, ..., after layer L-1, final norm]
        int layers = Config.Layers;
        var hidden = stack([.. states.Take(layers), states[^1]]);      // (L+1, B, T, D)
        var layerOutputs = stack(states.Skip(1).Take(layers).ToArray()); // (L, B, T, D)
        return new LanguageModelOutput(logits.MoveToOuterDisposeScope(), hidden.MoveToOuterDisposeScope(), layerOutputs.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The logits of the last position only, (B, V): a forward pass like <see cref="Forward(Tensor, Tensor?, KvCache?)"/> that
    /// keeps no hidden states and runs the output head on one position per row (what a decoding step needs).
    /// </summary>
    public Tensor NextTokenLogits(Tensor inputIds, Tensor? attentionMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        return Run(inputIds, attentionMask, cache, null, lastOnly: true).select(1, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Greedy decoding of exactly <paramref name="maxNewTokens"/> tokens (no early stop); returns the new ids (B, n).</summary>
    public Tensor GenerateGreedy(Tensor inputIds, int maxNewTokens) => GenerateGreedy(inputIds, null, maxNewTokens);

    /// <summary>
    /// Greedy decoding of a batch, left-padded with <paramref name="attentionMask"/> (B, T) (null = no padding).
    /// With <paramref name="useCache"/> each step runs only the new token against the KV cache; without, it re-runs
    /// the whole sequence (the reference the cache is tested against). Returns the new token ids (B, n) int64.
    /// </summary>
    public Tensor GenerateGreedy(Tensor inputIds, Tensor? attentionMask, int maxNewTokens, bool useCache = true)
    {
        ThrowIfDisposed();
        if (maxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(maxNewTokens), maxNewTokens, "maxNewTokens must be 0 or more.");
        CheckIds(inputIds, attentionMask);
        using var scope = NewDisposeScope();
        using var cache = useCache ? new KvCache(Config.Layers, inputIds.shape[1] + maxNewTokens) : null;
        using var memory = NativeAllocator.ReturnLargeBlocks();   // once for all steps (see NativeAllocator)
        var ids = inputIds.to(int64, Device);                                               // (B, T) prompt + generated
        var mask = attentionMask?.to(int64, Device) ?? ones_like(ids);                      // (B, T)
        var step = ids;                                                                     // what this step feeds in
        var generated = new List<Tensor>();
        for (int n = 0; n < maxNewTokens; n++)
        {
            using var stepScope = NewDisposeScope();
            var logits = Run(useCache ? step : ids, mask, cache, null, lastOnly: true);     // (B, 1, V)
            var next = logits.select(1, -1).argmax(-1, keepdim: true);                      // (B, 1)
            ids = cat([ids, next], dim: 1).MoveToOuterDisposeScope();
            mask = cat([mask, ones_like(next)], dim: 1).MoveToOuterDisposeScope();
            step = next.MoveToOuterDisposeScope();
            generated.Add(step);
        }
        var result = generated.Count > 0 ? cat(generated, dim: 1) : zeros(inputIds.shape[0], 0, dtype: int64, device: Device);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The network. <paramref name="inputIds"/> (B, T) are the new tokens; <paramref name="attentionMask"/> covers the
    /// cached tokens and these, (B, S). Adds the embedding, every layer's output and the final norm to
    /// <paramref name="states"/> when given. Returns logits (B, T, V), or (B, 1, V) for the last position only.
    /// </summary>
    Tensor Run(Tensor inputIds, Tensor? attentionMask, KvCache? cache, List<Tensor>? states, bool lastOnly)
    {
        CheckIds(inputIds, attentionMask, cache?.Length ?? 0);
        using var memory = NativeAllocator.ReturnLargeBlocks();   // cheap when a generation's scope is already open
        using var noGrad = no_grad();
        var ids = inputIds.to(int64, Device);
        long b = ids.shape[0], t = ids.shape[1], past = cache?.Length ?? 0, s = past + t;
        var mask = attentionMask?.to(int64, Device) ?? ones(b, s, dtype: int64, device: Device);   // (B, S)

        // A batch whose activations would be large blocks runs a few rows at a time (rows are independent; the cache
        // takes each chunk's rows): every intermediate then stays under NativeAllocator's mmap threshold, so it is served
        // from the heap and reused chunk after chunk and layer after layer, instead of being mapped and page-faulted in
        // afresh (at 8 x 128 tokens of a 0.6B model 1.5-3 s of kernel time in a 13 s prefill), and the activations' peak
        // is a chunk's, not the batch's. Not when every state is recorded (Forward): those are kept for the whole batch.
        long rows = states is null ? Math.Max(1, ChunkTokens / t) : b;
        if (rows < b)
        {
            var parts = new List<Tensor>();
            long added = 0;
            try
            {
                for (long r0 = 0; r0 < b; r0 += rows)
                {
                    long n = Math.Min(rows, b - r0);
                    cache?.BeginRows(r0, n, b);
                    parts.Add(Layers(ids.narrow(0, r0, n), mask.narrow(0, r0, n), cache, null, lastOnly));
                }
                added = t;
            }
            finally { cache?.EndRows(added); }   // the tokens count once every row is in (none if a chunk failed)
            return cat(parts, dim: 0);
        }
        return Layers(ids, mask, cache, states, lastOnly);
    }

    /// <summary>
    /// Tokens per chunk of rows in <see cref="Run"/>: as many as keep the widest activation (the MLP's, T x I) under
    /// NativeAllocator's mmap threshold (256 tokens of Qwen3-0.6B: 3.1 MB in float32), at least one row.
    /// </summary>
    long ChunkTokens => ChunkTokensOverride ?? NativeAllocator.LargeBlockBytes /
        ((long)Math.Max(Config.IntermediateSize, Math.Max(Config.Heads * Config.HeadDim, Config.HiddenSize)) * (DType == float32 ? 4 : 2));

    /// <summary>For tests: the tokens per chunk of rows instead of the size rule (1 = one row at a time, every pass).</summary>
    internal long? ChunkTokensOverride { get; set; }

    /// <summary>The embedding, the layers, the norm and the head for rows ids (B, T) with their mask (B, S).</summary>
    Tensor Layers(Tensor ids, Tensor mask, KvCache? cache, List<Tensor>? states, bool lastOnly)
    {
        long b = ids.shape[0], t = ids.shape[1], past = cache?.Length ?? 0, s = past + t;

        // Positions count real tokens only: left padding does not shift them (padding gets 1, as transformers does).
        var positions = (mask.cumsum(-1) - 1).masked_fill(mask.eq(0), 1).narrow(1, past, t);       // (B, T)
        var (cos, sin) = _rope.Angles(positions, DType);                                          // (B, 1, T, hd)
        var (localCos, localSin) = _localRope.Angles(positions, DType);

        // Query at absolute index i = past + row may see key j iff j <= i, key j is not padding, (window) i - j < W.
        var query = arange(past, s, dtype: int64, device: Device).view(1, 1, t, 1);               // (1, 1, T, 1)
        var key = arange(0, s, dtype: int64, device: Device).view(1, 1, 1, s);                    // (1, 1, 1, S)
        var allowed = key.le(query) & mask.ne(0).view(b, 1, 1, s);                             // (B, 1, T, S)
        var allowedSliding = Config.SlidingWindow is { } w ? allowed & (query - key).lt(w) : allowed;

        var h = _embed.index_select(0, ids.flatten()).view(b, t, -1) * _embedScale;               // (B, T, D)
        states?.Add(h);
        for (int i = 0; i < _layers.Length; i++)
        {
            using var layerScope = NewDisposeScope();  // frees the layer's intermediates now, not at the end of the pass
            var layer = _layers[i];
            // Nobody records the last layer's output at every position: it computes the last one only, (B, 1, D).
            bool lastPosition = lastOnly && states is null && i == _layers.Length - 1;
            var next = (layer.Sliding
                ? layer.Forward(h, localCos, localSin, allowedSliding, cache, lastPosition)
                : layer.Forward(h, cos, sin, allowed, cache, lastPosition)).MoveToOuterDisposeScope();
            if (states is null) h.Dispose();           // nobody records it: the previous residual stream can go now
            else states.Add(next);
            h = next;
        }
        if (lastOnly && h.shape[1] > 1) h = h.narrow(1, t - 1, 1);                                // (B, 1, D)
        h = _norm.Forward(h);
        states?.Add(h);
        var logits = Simd.FewRowsLinear.Linear(h, _lmHead, null);                                 // (B, T, V)
        if (Config.FinalSoftcap is { } cap) logits = (logits / cap).tanh() * cap;
        return logits;
    }

    void CheckIds(Tensor inputIds, Tensor? attentionMask, long past = 0)
    {
        if (inputIds.dim() != 2 || inputIds.shape[1] == 0)
            throw new ArgumentException($"inputIds must be (batch, tokens) with at least one token; got shape ({string.Join(", ", inputIds.shape)}).", nameof(inputIds));
        if (inputIds.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"inputIds must hold integer token ids (int64); got {inputIds.dtype}.", nameof(inputIds));
        long lo = inputIds.min().item<long>(), hi = inputIds.max().item<long>();
        if (lo < 0 || hi >= Config.VocabSize)
            throw new ArgumentException($"token ids must lie in [0, {Config.VocabSize}) (the model's vocab_size); got ids from {lo} to {hi}. " +
                "Was the text encoded with this model's tokenizer?", nameof(inputIds));
        if (attentionMask is not null && (attentionMask.dim() != 2 || attentionMask.shape[0] != inputIds.shape[0] || attentionMask.shape[1] != past + inputIds.shape[1]))
            throw new ArgumentException($"attentionMask must be (batch, tokens) = ({inputIds.shape[0]}, {past + inputIds.shape[1]}) like inputIds" +
                (past > 0 ? $" plus the {past} cached tokens" : "") + $"; got ({string.Join(", ", attentionMask.shape)}).", nameof(attentionMask));
    }

    /// <summary>True once <see cref="Dispose"/> has freed the weights (the notebook names such a variable and says how to reload it).</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Throws <see cref="DisposedObjectException"/> (an <see cref="ObjectDisposedException"/>) when the weights were freed.</summary>
    public void ThrowIfDisposed()
    {
        if (IsDisposed)
            throw new DisposedObjectException($"This language model (loaded from '{Folder}')",
                $"Load it again: LanguageModel.Load(\"{Folder}\"), or in a notebook #!llm-load --model \"{Folder}\" --out NAME.");
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        foreach (var layer in _layers) layer.Dispose();
        _norm.Dispose();
        if (!ReferenceEquals(_lmHead, _embed)) _lmHead.Dispose();
        _embed.Dispose();
        _embedScale.Dispose();
        _rope.Dispose();
        _localRope.Dispose();
    }
}
