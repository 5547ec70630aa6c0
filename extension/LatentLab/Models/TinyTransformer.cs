using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentLab.Models;

/// <summary>
/// A small decoder-only transformer in the nanoGPT mould: token + learned position embeddings, pre-LayerNorm blocks of
/// causal self-attention and an MLP, a final LayerNorm and a linear head to the vocabulary. Shapes: B batch, T tokens,
/// C width (n_embd), H heads, V vocabulary.
/// </summary>
public sealed class TinyTransformer : nn.Module<Tensor, Tensor>
{
    readonly Embedding _tokens;   // (V, C)
    readonly Embedding _position; // (T_max, C)
    readonly ModuleList<TransformerBlock> _blocks;
    readonly LayerNorm _lnFinal;
    readonly Linear _head;        // C -> V
    public int Width { get; }
    public int BlockCount { get; }
    public int MaxTokens { get; }

    public TinyTransformer(int vocab, int maxTokens, int width, int layers, int heads, Device device) : base(nameof(TinyTransformer))
    {
        Width = width;
        BlockCount = layers;
        MaxTokens = maxTokens;
        _tokens = nn.Embedding(vocab, width);
        _position = nn.Embedding(maxTokens, width);
        _blocks = nn.ModuleList(Enumerable.Range(0, layers).Select(_ => new TransformerBlock(width, heads, maxTokens)).ToArray());
        _lnFinal = nn.LayerNorm(width);
        _head = nn.Linear(width, vocab, hasBias: false);
        RegisterComponents();
        foreach (var (name, p) in named_parameters())
            if (name.EndsWith("weight") && p.dim() == 2)
                using (no_grad()) nn.init.normal_(p, 0, 0.02);
        this.to(device);
    }

    /// <summary>
    /// Every parameter tensor in the order <see cref="ForwardStacked"/> reads them, with short names: tokens (V, C),
    /// position (T_max, C), block{i}.* (see <see cref="TransformerBlock.StackOrder"/>), ln_final.weight, ln_final.bias,
    /// head (V, C).
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Value)> StackOrder()
    {
        var list = new List<(string, Tensor)> { ("tokens", _tokens.weight!), ("position", _position.weight!) };
        for (int i = 0; i < _blocks.Count; i++)
            list.AddRange(_blocks[i].StackOrder().Select(p => ($"block{i}.{p.Name}", p.Value)));
        list.Add(("ln_final.weight", _lnFinal.weight!));
        list.Add(("ln_final.bias", _lnFinal.bias!));
        list.Add(("head", _head.weight!));
        return list;
    }

    /// <summary>
    /// K networks of this shape at once (e.g. K perturbed copies): <paramref name="stacks"/>[i] is (K, ...shape of
    /// <see cref="StackOrder"/>[i]); idx (B, T) token ids shared by all copies, or (K, B, T) one batch per copy (e.g. each
    /// copy fine-tuned on its own demonstrations). Returns logits (K, B, T, V) and the residual
    /// stream after the embedding and every block (BlockCount + 1 tensors (K, B, T, C)); <paramref name="hook"/>(layer, h)
    /// may replace each of them (layer 0 = the embedding) before the next block reads it.
    /// </summary>
    public (Tensor Logits, List<Tensor> Residuals) ForwardStacked(Tensor idx, IReadOnlyList<Tensor> stacks, Func<int, Tensor, Tensor>? hook = null)
    {
        int expected = 5 + 12 * _blocks.Count;
        if (stacks.Count != expected)
            throw new ArgumentException($"{stacks.Count} stacked tensors for a transformer with {expected} (StackOrder): give one per parameter.", nameof(stacks));
        long k = stacks[0].shape[0], c = Width;
        bool perCopy = idx.dim() == 3;
        if (perCopy && idx.shape[0] != k)
            throw new ArgumentException($"idx has {idx.shape[0]} batches for {k} stacked copies: give (B, T) shared by all copies or (K, B, T), one per copy.", nameof(idx));
        long b = idx.shape[^2], t = idx.shape[^1];
        var embedded = perCopy
            ? stacks[0].gather(1, idx.reshape(k, b * t, 1).expand(k, b * t, c))                    // (K, B*T, C): copy i reads its own tokens
            : stacks[0].index_select(1, idx.reshape(-1));                                           // (K, B*T, C)
        var x = embedded.view(k, b, t, c) + stacks[1][TensorIndex.Colon, TensorIndex.Slice(0, t)].unsqueeze(1);
        var residuals = new List<Tensor>();
        if (hook is not null) x = hook(0, x);
        residuals.Add(x);
        for (int i = 0; i < _blocks.Count; i++)
        {
            x = _blocks[i].ForwardStacked(x, stacks, 2 + 12 * i);                // (K, B, T, C)
            if (hook is not null) x = hook(i + 1, x);
            residuals.Add(x);
        }
        int f = 2 + 12 * _blocks.Count;
        var ln = nn.functional.layer_norm(x, [c]) * stacks[f].unsqueeze(1).unsqueeze(1) + stacks[f + 1].unsqueeze(1).unsqueeze(1);
        var logits = ln.reshape(k, b * t, c).bmm(stacks[f + 2].transpose(1, 2)).view(k, b, t, -1); // (K, B, T, V)
        return (logits, residuals);
    }

    /// <summary>idx (B, T) token ids -> logits (B, T, V).</summary>
    public override Tensor forward(Tensor idx) => ForwardWithResiduals(idx, record: false).Logits;

    /// <summary>
    /// Logits (B, T, V) and, when <paramref name="record"/>, the residual stream after the embedding and after every block:
    /// BlockCount + 1 tensors of shape (B, T, C).
    /// </summary>
    public (Tensor Logits, List<Tensor> Residuals) ForwardWithResiduals(Tensor idx, bool record)
    {
        var t = idx.shape[1];
        var pos = arange(t, dtype: int64, device: idx.device);                  // (T)
        var x = _tokens.forward(idx) + _position.forward(pos);                   // (B, T, C)
        var residuals = new List<Tensor>();
        if (record) residuals.Add(x);
        foreach (var block in _blocks)
        {
            x = block.forward(x);                                                // (B, T, C)
            if (record) residuals.Add(x);
        }
        return (_head.forward(_lnFinal.forward(x)), residuals);                  // (B, T, V)
    }
}
