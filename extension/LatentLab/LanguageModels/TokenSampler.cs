using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// Picks the next token from a row of logits: argmax at temperature 0, otherwise a draw from
/// softmax(logits / temperature) restricted to the nucleus (the most likely tokens whose probabilities first reach top-p,
/// renormalised). The uniform draws come from a seeded <see cref="Random"/> on the CPU, so the same seed gives the same
/// tokens on any device.
/// </summary>
public sealed class TokenSampler(double temperature, double topP, int seed)
{
    readonly Random _random = new(seed);

    /// <summary>The next token id from <paramref name="logits"/> (V,) of one sequence.</summary>
    public int Next(Tensor logits)
    {
        using var scope = NewDisposeScope();
        if (temperature == 0) return (int)logits.argmax().item<long>();
        var probs = (logits.to(float32) / temperature).softmax(-1);                 // (V,)
        var (sorted, order) = probs.sort(descending: true);                         // (V,), (V,)
        // Keep token k while the mass before it is below top-p (so the token that crosses top-p is kept too).
        var before = sorted.cumsum(0) - sorted;                                     // (V,)
        long keep = Math.Max(1, before.lt(topP).sum().item<long>());
        var p = sorted.narrow(0, 0, keep).to(float64, CPU).data<double>().ToArray();
        var ids = order.narrow(0, 0, keep).to(CPU).data<long>().ToArray();
        double total = p.Sum(), u = _random.NextDouble() * total, acc = 0;
        for (int i = 0; i < p.Length; i++)
        {
            acc += p[i];
            if (u < acc) return (int)ids[i];
        }
        return (int)ids[^1];
    }
}
