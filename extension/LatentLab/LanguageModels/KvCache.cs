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

    /// <summary>
    /// Appends this step's k, v (B, KV, T, hd) for <paramref name="layer"/>; returns all of them (B, KV, S+T, hd). Between
    /// <see cref="BeginRows"/> and <see cref="EndRows"/>, k and v are rows [start, start + count) of the batch only.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        // Every layer appends the same T tokens once per pass; layer 0 opens the pass, the last one closes it.
        long past = _length, t = k.shape[2], s = past + t;
        long batch = _rows?.Total ?? k.shape[0];
        _keys[layer] = Reserve(_keys[layer], k, batch, past, s);
        _values[layer] = Reserve(_values[layer], v, batch, past, s);
        var keys = _rows is { } r ? _keys[layer]!.narrow(0, r.Start, r.Count) : _keys[layer]!;
        var values = _rows is { } r2 ? _values[layer]!.narrow(0, r2.Start, r2.Count) : _values[layer]!;
        keys.narrow(2, past, t).copy_(k);
        values.narrow(2, past, t).copy_(v);
        if (_rows is null && layer == _keys.Length - 1) _length = s;
        return (keys.narrow(2, 0, s), values.narrow(2, 0, s));
    }

    (long Start, long Count, long Total)? _rows;

    /// <summary>The next appends hold rows [start, start + count) of a batch of <paramref name="total"/> rows (a pass run in chunks of rows).</summary>
    internal void BeginRows(long start, long count, long total) => _rows = (start, count, total);

    /// <summary>Ends a pass run in chunks of rows: <paramref name="tokens"/> (every row's) now count as cached.</summary>
    internal void EndRows(long tokens)
    {
        _rows = null;
        _length += tokens;
    }

    Tensor Reserve(Tensor? buffer, Tensor like, long batch, long past, long needed)
    {
        if (buffer is not null && buffer.shape[0] != batch)
            throw new ArgumentException($"This KV cache holds {buffer.shape[0]} rows; a pass of {batch} rows cannot continue it. Use a new KvCache for a new batch.");
        long capacity = buffer?.shape[2] ?? 0;
        if (buffer is not null && needed <= capacity) return buffer;
        long grown = buffer is null
            ? Math.Max(needed, _capacityHint > 0 ? _capacityHint : needed + Headroom)
            : Math.Max(needed, capacity + capacity / 2);
        // The cache outlives the forward pass's dispose scope: the buffer is ours.
        var next = empty([batch, like.shape[1], grown, like.shape[3]], dtype: like.dtype, device: like.device).DetachFromDisposeScope();
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
