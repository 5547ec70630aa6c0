using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// Keys and values of every layer for the tokens seen so far, (B, KV, S, hd) each, so a generation step runs only the
/// new token. Sliding-window layers keep the whole history too; their window is applied by the attention mask, which
/// gives the same numbers as transformers' rolling cache.
/// <para>
/// Each layer's keys and values live in a buffer (B, KV, capacity, hd) that a step writes its new tokens into; the
/// step attends to the buffer's first S positions (a view, no copy). A torch.cat per step, as transformers' DynamicCache
/// does, would copy the whole cache at every token (84 MB a step at batch 8 after 48 tokens of a 0.6B model) and leave
/// the old copies to the allocator. The buffer is sized by the capacity given (prompt + new tokens, when the caller
/// knows them), else to what is needed plus 64 tokens, and grows by half when full (one copy).
/// </para>
/// </summary>
public sealed class KvCache : IDisposable
{
    const long Headroom = 64;   // tokens reserved beyond the first request when no capacity was given
    readonly Tensor?[] _keys, _values;
    readonly long _capacityHint;
    long _length;

    /// <param name="layers">the model's layer count</param>
    /// <param name="capacity">tokens the cache will hold (prompt + new tokens), if known; 0 = grow as needed</param>
    public KvCache(int layers, long capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _capacityHint = capacity;
    }

    /// <summary>Tokens cached so far (S).</summary>
    public long Length => _length;

    /// <summary>Appends this step's k, v (B, KV, T, hd) for <paramref name="layer"/>; returns all of them (B, KV, S+T, hd).</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        // Every layer appends the same T tokens once per pass; layer 0 opens the pass, the last one closes it.
        long past = _length, t = k.shape[2], s = past + t;
        _keys[layer] = Reserve(_keys[layer], k, past, s);
        _values[layer] = Reserve(_values[layer], v, past, s);
        _keys[layer]!.narrow(2, past, t).copy_(k);
        _values[layer]!.narrow(2, past, t).copy_(v);
        if (layer == _keys.Length - 1) _length = s;
        return (_keys[layer]!.narrow(2, 0, s), _values[layer]!.narrow(2, 0, s));
    }

    Tensor Reserve(Tensor? buffer, Tensor like, long past, long needed)
    {
        long capacity = buffer?.shape[2] ?? 0;
        if (buffer is not null && needed <= capacity) return buffer;
        long grown = buffer is null
            ? Math.Max(needed, _capacityHint > 0 ? _capacityHint : needed + Headroom)
            : Math.Max(needed, capacity + capacity / 2);
        // The cache outlives the forward pass's dispose scope: the buffer is ours.
        var next = empty([like.shape[0], like.shape[1], grown, like.shape[3]], dtype: like.dtype, device: like.device).DetachFromDisposeScope();
        if (buffer is not null)
        {
            using (var kept = next.narrow(2, 0, past)) kept.copy_(buffer.narrow(2, 0, past));
            buffer.Dispose();
        }
        return next;
    }

    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
    }
}
