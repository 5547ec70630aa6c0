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
