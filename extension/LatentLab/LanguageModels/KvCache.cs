using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// Keys and values of every layer for the tokens seen so far, (B, KV, S, hd) each, so a generation step runs only the
/// new token. Sliding-window layers keep the whole history too; their window is applied by the attention mask, which
/// gives the same numbers as transformers' rolling cache.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor?[] _keys, _values;

    public KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Tokens cached so far (S).</summary>
    public long Length => _keys[0]?.shape[2] ?? 0;

    /// <summary>Appends this step's k, v (B, KV, T, hd) for <paramref name="layer"/>; returns all of them (B, KV, S+T, hd).</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        var keys = _keys[layer] is { } pk ? cat([pk, k], dim: 2) : k.alias();
        var values = _values[layer] is { } pv ? cat([pv, v], dim: 2) : v.alias();
        _keys[layer]?.Dispose();
        _values[layer]?.Dispose();
        // The cache outlives the forward pass's dispose scope: keep our own handles out of it.
        _keys[layer] = keys.alias().DetachFromDisposeScope();
        _values[layer] = values.alias().DetachFromDisposeScope();
        return (keys, values);
    }

    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
    }
}
