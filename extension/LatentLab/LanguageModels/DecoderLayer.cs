using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LatentLab.LanguageModels;

/// <summary>
/// One decoder layer: grouped-query self-attention with RoPE, then a gated MLP, each added to the residual stream.
/// Llama/Qwen:  h = h + attn(norm1(h));            h = h + mlp(norm2(h))
/// Gemma2/3:    h = h + norm2(attn(norm1(h)));     h = h + norm4(mlp(norm3(h)))
/// Shapes: h (B, T, D); q (B, H, T, hd); k, v (B, KV, S, hd) with S = cached + new tokens.
/// </summary>
public sealed class DecoderLayer : IDisposable
{
    readonly LanguageModelConfig _c;
    readonly int _index;
    readonly Tensor _wq, _wk, _wv, _wo;           // (H*hd, D), (KV*hd, D), (KV*hd, D), (D, H*hd)
    readonly Tensor? _bq, _bk, _bv, _bo;
    readonly Tensor _wGate, _wUp, _wDown;         // (I, D), (I, D), (D, I)
    readonly Tensor? _bGate, _bUp, _bDown;
    readonly RmsNorm _inputNorm, _postAttentionNorm;
    readonly RmsNorm? _preFeedforwardNorm, _postFeedforwardNorm;  // Gemma
    readonly RmsNorm? _qNorm, _kNorm;                             // Qwen3, Gemma3: per head, over hd

    public bool Sliding => _c.SlidingLayers[_index];

    // The fused attention kernel takes the default scale (head_dim^-0.5) and has no soft-capping: Gemma2's capped scores
    // (and any other scale) take the explicit path below.
    readonly bool _fusedAttention;

    internal DecoderLayer(LanguageModelConfig c, int index, Func<string, long[], Tensor> load)
    {
        _c = c;
        _index = index;
        _fusedAttention = c.AttentionSoftcap is null && Math.Abs(c.AttentionScale * Math.Sqrt(c.HeadDim) - 1) < 1e-12
            && Environment.GetEnvironmentVariable("LATENTLAB_LLM_EAGER_ATTENTION") != "1";
        string p = $"model.layers.{index}.";
        long d = c.HiddenSize, q = c.Heads * c.HeadDim, kv = c.KvHeads * c.HeadDim, inter = c.IntermediateSize;
        _wq = load(p + "self_attn.q_proj.weight", [q, d]);
        _wk = load(p + "self_attn.k_proj.weight", [kv, d]);
        _wv = load(p + "self_attn.v_proj.weight", [kv, d]);
        _wo = load(p + "self_attn.o_proj.weight", [d, q]);
        if (c.AttentionBias)
        {
            _bq = load(p + "self_attn.q_proj.bias", [q]);
            _bk = load(p + "self_attn.k_proj.bias", [kv]);
            _bv = load(p + "self_attn.v_proj.bias", [kv]);
        }
        if (c.OutputBias) _bo = load(p + "self_attn.o_proj.bias", [d]);
        _wGate = load(p + "mlp.gate_proj.weight", [inter, d]);
        _wUp = load(p + "mlp.up_proj.weight", [inter, d]);
        _wDown = load(p + "mlp.down_proj.weight", [d, inter]);
        if (c.MlpBias)
        {
            _bGate = load(p + "mlp.gate_proj.bias", [inter]);
            _bUp = load(p + "mlp.up_proj.bias", [inter]);
            _bDown = load(p + "mlp.down_proj.bias", [d]);
        }
        RmsNorm Norm(string name, long size) => new(load(p + name, [size]), c.RmsNormEps, c.GemmaNorm);
        _inputNorm = Norm("input_layernorm.weight", d);
        _postAttentionNorm = Norm("post_attention_layernorm.weight", d);
        if (c.GemmaBlock)
        {
            _preFeedforwardNorm = Norm("pre_feedforward_layernorm.weight", d);
            _postFeedforwardNorm = Norm("post_feedforward_layernorm.weight", d);
        }
        if (c.QkNorm)
        {
            _qNorm = Norm("self_attn.q_norm.weight", c.HeadDim);
            _kNorm = Norm("self_attn.k_norm.weight", c.HeadDim);
        }
    }

    /// <param name="h">residual stream (B, T, D)</param>
    /// <param name="cos">RoPE angles for these tokens (B, 1, T, hd), from this layer's RoPE (global or local)</param>
    /// <param name="sin">as cos, with its first half negated (<see cref="RotaryEmbedding.Angles"/>)</param>
    /// <param name="allowed">(B, 1, T, S) bool: may query t attend to key s (causal, padding, window)</param>
    /// <param name="cache">null, or the cache this layer's k, v are appended to</param>
    /// <param name="lastPositionOnly">return the last position only, (B, 1, D): keys and values are still computed (and
    /// cached) for every token, but the queries, the attention output and the MLP only for the last one (the model's last
    /// layer when only the next token's logits are wanted: 3% of an 8 x 128 prefill)</param>
    public Tensor Forward(Tensor h, Tensor cos, Tensor sin, Tensor allowed, KvCache? cache, bool lastPositionOnly = false)
    {
        // Each block runs in its own dispose scope, so only its (B, T, D) output outlives it: at 8 x 128 tokens of a
        // 0.6B model the attention's and the MLP's intermediates are ~100 MB each, freed before the next block starts.
        // The residual sum is added in place into the block's fresh output (block + h, the same sums as h + block): one
        // (B, T, D) buffer fewer per block, and h itself is left as it was (the caller may have recorded it).
        long t = h.shape[1];
        var residual = lastPositionOnly ? h.narrow(1, t - 1, 1) : h;
        if (_c.GemmaBlock)
        {
            h = Block(() => _postAttentionNorm.Forward(Attention(_inputNorm.Forward(h), cos, sin, allowed, cache, lastPositionOnly))).add_(residual);
            return Block(() => _postFeedforwardNorm!.Forward(Mlp(_preFeedforwardNorm!.Forward(h)))).add_(h);
        }
        h = Block(() => Attention(_inputNorm.Forward(h), cos, sin, allowed, cache, lastPositionOnly)).add_(residual);
        return Block(() => Mlp(_postAttentionNorm.Forward(h))).add_(h);
    }

    /// <summary>F.linear(x, w, b); a decoding step's few rows go to <see cref="Simd.FewRowsLinear"/> on the CPU.</summary>
    static Tensor Project(Tensor x, Tensor w, Tensor? b) => Simd.FewRowsLinear.Linear(x, w, b);

    static Tensor Block(Func<Tensor> block)
    {
        using var scope = NewDisposeScope();
        return block().MoveToOuterDisposeScope();
    }

    Tensor Attention(Tensor x, Tensor cos, Tensor sin, Tensor allowed, KvCache? cache, bool lastPositionOnly)
    {
        long b = x.shape[0], t = x.shape[1];
        var k = Project(x, _wk, _bk).view(b, t, _c.KvHeads, _c.HeadDim);     // (B, T, KV, hd)
        var v = Project(x, _wv, _bv).view(b, t, _c.KvHeads, _c.HeadDim);     // (B, T, KV, hd)
        if (_kNorm is not null) k = _kNorm.Forward(k);
        k = RotaryEmbedding.Apply(k.transpose(1, 2), cos, sin);              // (B, KV, T, hd)
        if (lastPositionOnly)
        {
            // The queries of the last token only (its keys and values above are every token's).
            x = x.narrow(1, t - 1, 1);
            cos = cos.narrow(2, t - 1, 1);
            sin = sin.narrow(2, t - 1, 1);
            allowed = allowed.narrow(2, t - 1, 1);
            t = 1;
        }
        var q = Project(x, _wq, _bq).view(b, t, _c.Heads, _c.HeadDim);       // (B, T, H, hd)
        if (_qNorm is not null) q = _qNorm.Forward(q);
        q = RotaryEmbedding.Apply(q.transpose(1, 2), cos, sin);              // (B, H, T, hd)
        v = v.transpose(1, 2);                                               // (B, KV, T, hd)
        if (cache is not null) (k, v) = cache.Append(_index, k, v);          // (B, KV, S, hd)

        // Grouped-query attention without copying k and v per query head (transformers' repeat_kv): query head h uses KV head
        // h / groups, so the `groups` query heads of one KV head are stacked as rows of one matrix product with its keys.
        int groups = _c.Heads / _c.KvHeads;                                  // each KV head serves `groups` query heads
        long s = k.shape[2];
        var qg = q.reshape(b, _c.KvHeads, groups * t, _c.HeadDim);           // (B, KV, G*T, hd), row g*T + i = head kv*G + g, token i
        if (_fusedAttention)
        {
            // libtorch's fused kernel (flash attention on the CPU: scores, mask, float32 softmax and PV block by block, no
            // (B, KV, G*T, S) score tensors). The mask is additive, 0 or the dtype's minimum, as transformers' SDPA path builds
            // it: a row with every key masked (a padding query) then averages the values as the eager softmax does, not NaN.
            var additive = zeros(b, 1, t, s, q.dtype, q.device).masked_fill_(allowed.logical_not(), MinValue(q.dtype))
                .unsqueeze(2).expand(b, 1, groups, t, s).reshape(b, 1, groups * t, s);                  // (B, 1, G*T, S)
            var fused = F.scaled_dot_product_attention(qg, k, v, additive);     // (B, KV, G*T, hd)
            return Project(fused.view(b, _c.Heads, t, _c.HeadDim).transpose(1, 2).reshape(b, t, _c.Heads * _c.HeadDim), _wo, _bo);
        }
        var scores = qg.matmul(k.transpose(2, 3)).view(b, _c.KvHeads, groups, t, s) * _c.AttentionScale;   // (B, KV, G, T, S)
        if (_c.AttentionSoftcap is { } cap) scores = (scores / cap).tanh() * cap;
        scores = scores.masked_fill(allowed.logical_not().unsqueeze(1), MinValue(scores.dtype));          // mask (B, 1, 1, T, S)
        var probs = scores.softmax(-1, float32).to(q.dtype).view(b, _c.KvHeads, groups * t, s);         // softmax in float32
        var y = probs.matmul(v).view(b, _c.Heads, t, _c.HeadDim)             // (B, H, T, hd)
            .transpose(1, 2).reshape(b, t, _c.Heads * _c.HeadDim);           // (B, T, H*hd)
        return Project(y, _wo, _bo);                                         // (B, T, D)
    }

    Tensor Mlp(Tensor x)
    {
        var gate = Project(x, _wGate, _bGate);                               // (B, T, I)
        gate = _c.Activation == "silu" ? gate.silu_() : F.gelu(gate, TorchSharp.Modules.GELU.Approximate.tanh);
        using (var up = Project(x, _wUp, _bUp)) gate.mul_(up);               // (B, T, I), in place: one (B, T, I) buffer less
        return Project(gate, _wDown, _bDown);                                // (B, T, D)
    }

    // The additive mask value transformers uses (finfo(dtype).min); masked_fill with it avoids NaN on all-masked rows.
    static double MinValue(ScalarType t) => t switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };

    public void Dispose()
    {
        foreach (var t in new[] { _wq, _wk, _wv, _wo, _bq, _bk, _bv, _bo, _wGate, _wUp, _wDown, _bGate, _bUp, _bDown }) t?.Dispose();
        foreach (var n in new[] { _inputNorm, _postAttentionNorm, _preFeedforwardNorm, _postFeedforwardNorm, _qNorm, _kNorm }) n?.Dispose();
    }
}
