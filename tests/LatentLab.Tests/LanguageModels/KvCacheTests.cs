using LatentLab.LanguageModels;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// The KV cache writes each step into a preallocated buffer and grows it when full: what it returns after every step must
/// be exactly the concatenation of everything appended so far, with or without a capacity, across growths, per layer.
/// </summary>
public class KvCacheTests
{
    readonly Device _device = TorchRuntime.ResolveDevice("cpu");

    [Theory]
    [InlineData(0)]    // no capacity: the first pass's tokens + 64, then growth by half
    [InlineData(9)]    // a capacity smaller than what is appended: grows
    [InlineData(200)]  // room for everything
    public void Append_ReturnsTheConcatenationOfEveryStep(long capacity)
    {
        using var scope = NewDisposeScope();
        const int layers = 3;
        using var cache = new KvCache(layers, capacity);
        var generator = manual_seed(1);
        var all = new List<Tensor>[layers * 2];
        for (int i = 0; i < all.Length; i++) all[i] = [];
        long total = 0;
        foreach (long t in new long[] { 7, 1, 1, 30, 1, 50, 1, 40 })   // a prompt, steps, chunks past every capacity above
        {
            for (int layer = 0; layer < layers; layer++)
            {
                var k = randn([2, 4, t, 8], generator: generator, device: _device);
                var v = randn([2, 4, t, 8], generator: generator, device: _device).transpose(1, 2).contiguous().transpose(1, 2);  // strided, as RoPE's output
                all[2 * layer].Add(k);
                all[2 * layer + 1].Add(v);
                Assert.Equal(total, cache.Length);   // the pass counts once, after its last layer
                var (keys, values) = cache.Append(layer, k, v);
                Assert.Equal(new long[] { 2, 4, total + t, 8 }, keys.shape);
                Assert.True(keys.equal(cat(all[2 * layer], dim: 2)).all().item<bool>(), $"keys of layer {layer} after {total + t} tokens");
                Assert.True(values.equal(cat(all[2 * layer + 1], dim: 2)).all().item<bool>(), $"values of layer {layer} after {total + t} tokens");
            }
            total += t;
            Assert.Equal(total, cache.Length);
        }
    }

    [Fact]
    public void NegativeCapacity_IsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new KvCache(2, -1));
        Assert.Equal("capacity", e.ParamName);
    }
}
