using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentLab.Models;

/// <summary>One pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)). Shapes (B, T, C).</summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm _ln1, _ln2;
    readonly Linear _qkv;      // C -> 3C
    readonly Linear _proj;     // C -> C
    readonly Linear _fc;       // C -> 4C
    readonly Linear _fcOut;    // 4C -> C
    readonly Tensor _causal;   // (1, 1, T_max, T_max) true above the diagonal (future tokens)
    readonly int _heads;

    public TransformerBlock(int width, int heads, int maxTokens) : base(nameof(TransformerBlock))
    {
        if (width % heads != 0) throw new ArgumentException($"width {width} must be a multiple of heads {heads}.");
        _heads = heads;
        _ln1 = nn.LayerNorm(width);
        _ln2 = nn.LayerNorm(width);
        _qkv = nn.Linear(width, 3 * width);
        _proj = nn.Linear(width, width);
        _fc = nn.Linear(width, 4 * width);
        _fcOut = nn.Linear(4 * width, width);
        _causal = ones(maxTokens, maxTokens, dtype: @bool).triu(1).view(1, 1, maxTokens, maxTokens);
        RegisterComponents();
        register_buffer("causal", _causal, persistent: false);
    }

    /// <summary>
    /// This block's parameter tensors in the order <see cref="ForwardStacked"/> reads them, with short names:
    /// ln1.weight, ln1.bias, ln2.weight, ln2.bias, qkv.weight (3C, C), qkv.bias, proj.weight, proj.bias, fc.weight, fc.bias,
    /// fc_out.weight, fc_out.bias.
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Value)> StackOrder() =>
    [
        ("ln1.weight", _ln1.weight!), ("ln1.bias", _ln1.bias!), ("ln2.weight", _ln2.weight!), ("ln2.bias", _ln2.bias!),
        ("qkv.weight", _qkv.weight!), ("qkv.bias", _qkv.bias!), ("proj.weight", _proj.weight!), ("proj.bias", _proj.bias!),
        ("fc.weight", _fc.weight!), ("fc.bias", _fc.bias!), ("fc_out.weight", _fcOut.weight!), ("fc_out.bias", _fcOut.bias!),
    ];

    /// <summary>
    /// The block for K networks at once: x (K, B, T, C); <paramref name="p"/>[<paramref name="at"/> ..] holds the 12 stacked
    /// tensors of <see cref="StackOrder"/>, each (K, ...shape). Same arithmetic as <see cref="forward"/>.
    /// </summary>
    public Tensor ForwardStacked(Tensor x, IReadOnlyList<Tensor> p, int at)
    {
        long k = x.shape[0], b = x.shape[1], t = x.shape[2], c = x.shape[3], hs = c / _heads;
        static Tensor Ln(Tensor h, Tensor w, Tensor bias) =>
            nn.functional.layer_norm(h, [h.shape[^1]]) * w.unsqueeze(1).unsqueeze(1) + bias.unsqueeze(1).unsqueeze(1);
        static Tensor Lin(Tensor h, Tensor w, Tensor bias)                                         // h (K, B, T, in), w (K, out, in)
        {
            long kk = h.shape[0], bb = h.shape[1], tt = h.shape[2];
            var y = h.reshape(kk, bb * tt, h.shape[3]).bmm(w.transpose(1, 2)) + bias.unsqueeze(1); // (K, B*T, out)
            return y.view(kk, bb, tt, -1);
        }
        var qkv = Lin(Ln(x, p[at], p[at + 1]), p[at + 4], p[at + 5]).split(c, dim: 3);             // 3 x (K, B, T, C)
        Tensor Heads(Tensor z) => z.reshape(k * b, t, _heads, hs).transpose(1, 2);                  // (K*B, H, T, hs)
        var q = Heads(qkv[0]);
        var kx = Heads(qkv[1]);
        var v = Heads(qkv[2]);
        var att = q.matmul(kx.transpose(-2, -1)) * (1.0 / Math.Sqrt(hs));                          // (K*B, H, T, T)
        var mask = _causal.to(x.device)[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, t), TensorIndex.Slice(0, t)];
        att = att.masked_fill(mask, float.NegativeInfinity).softmax(-1);
        var y = att.matmul(v).transpose(1, 2).contiguous().view(k, b, t, c);                      // (K, B, T, C)
        x = x + Lin(y, p[at + 6], p[at + 7]);
        return x + Lin(nn.functional.gelu(Lin(Ln(x, p[at + 2], p[at + 3]), p[at + 8], p[at + 9])), p[at + 10], p[at + 11]);
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1], c = x.shape[2], hs = c / _heads;
        var qkv = _qkv.forward(_ln1.forward(x)).split(c, dim: 2);              // 3 x (B, T, C)
        var q = qkv[0].view(b, t, _heads, hs).transpose(1, 2);                  // (B, H, T, hs)
        var k = qkv[1].view(b, t, _heads, hs).transpose(1, 2);                  // (B, H, T, hs)
        var v = qkv[2].view(b, t, _heads, hs).transpose(1, 2);                  // (B, H, T, hs)
        var att = q.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(hs));        // (B, H, T, T)
        var mask = _causal.to(x.device)[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, t), TensorIndex.Slice(0, t)];
        att = att.masked_fill(mask, float.NegativeInfinity).softmax(-1);
        var y = att.matmul(v).transpose(1, 2).contiguous().view(b, t, c);      // (B, T, C)
        x = x + _proj.forward(y);
        return x + _fcOut.forward(nn.functional.gelu(_fc.forward(_ln2.forward(x))));
    }
}
