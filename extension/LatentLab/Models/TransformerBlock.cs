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
