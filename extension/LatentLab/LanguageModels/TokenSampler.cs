using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// Picks the next token of each row of a batch of logits: argmax at temperature 0, otherwise a draw from
/// softmax(logits / temperature) cut to the <c>topK</c> most likely tokens (0: no cut), then to the nucleus (the most likely
/// tokens whose probabilities first reach top-p; the token that crosses top-p is kept), renormalised; the order
/// transformers' warpers apply them in. Every row has its own seeded <see cref="Random"/> on the CPU and takes exactly
/// one uniform draw per step, so a row's tokens depend only on its own seed and logits, not on its batch mates or the
/// device: the same seed gives the same tokens alone or in any batch.
/// </summary>
public sealed class TokenSampler
{
    readonly double _temperature, _topP;
    readonly int _topK;
    readonly Random[] _random;

    /// <summary>One row with <paramref name="seed"/>.</summary>
    public TokenSampler(double temperature, double topP, int seed, int topK = 0) : this(temperature, topP, topK, [seed]) { }

    /// <summary>One row per seed in <paramref name="seeds"/>.</summary>
    public TokenSampler(double temperature, double topP, int topK, IReadOnlyList<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0) throw new ArgumentException("A sampler needs at least one row (one seed).", nameof(seeds));
        if (!(temperature >= 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be 0 (greedy) or a finite positive number.");
        if (!(topP > 0 && topP <= 1)) throw new ArgumentOutOfRangeException(nameof(topP), topP, "top-p must lie in (0, 1].");
        if (topK < 0) throw new ArgumentOutOfRangeException(nameof(topK), topK, "top-k must be 0 (off) or positive.");
        _temperature = temperature;
        _topP = topP;
        _topK = topK;
        _random = seeds.Select(s => new Random(s)).ToArray();
    }

    /// <summary>Rows (one generator each).</summary>
    public int Rows => _random.Length;

    /// <summary>The next token id of row 0 from <paramref name="logits"/> (V,).</summary>
    public int Next(Tensor logits)
    {
        using var row = logits.unsqueeze(0);
        return Next(row, null)[0];
    }

    /// <summary>
    /// The next token id of every row from <paramref name="logits"/> (B, V), B = <see cref="Rows"/>. Rows whose
    /// <paramref name="active"/> entry is false (finished sequences) take no draw and get -1.
    /// </summary>
    public int[] Next(Tensor logits, IReadOnlyList<bool>? active)
    {
        if (logits.dim() != 2 || logits.shape[0] != Rows)
            throw new ArgumentException($"logits must be (rows, vocab) with {Rows} rows; got ({string.Join(", ", logits.shape)}).", nameof(logits));
        var result = new int[Rows];
        if (_temperature == 0)
        {
            using var argmax = logits.argmax(-1).to(CPU);
            var ids = argmax.data<long>().ToArray();
            for (int r = 0; r < Rows; r++) result[r] = active is null || active[r] ? (int)ids[r] : -1;
            return result;
        }
        var (probs, tokens) = Support(logits, _temperature, _topK, _topP);
        for (int r = 0; r < Rows; r++)
        {
            if (active is not null && !active[r]) { result[r] = -1; continue; }
            double[] p = probs[r];
            double u = _random[r].NextDouble() * p.Sum(), acc = 0;
            result[r] = (int)tokens[r][^1];
            for (int i = 0; i < p.Length; i++)
            {
                acc += p[i];
                if (u < acc) { result[r] = (int)tokens[r][i]; break; }
            }
        }
        return result;
    }

    /// <summary>
    /// What a draw picks from, per row of <paramref name="logits"/> (B, V): the kept tokens, most likely first, and their
    /// probabilities under softmax(logits / temperature) (not yet renormalised over the kept set; a draw divides by their sum).
    /// </summary>
    public static (double[][] Probabilities, long[][] Tokens) Support(Tensor logits, double temperature, int topK, double topP)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Support is for sampling: temperature must be above 0.");
        using var scope = NewDisposeScope();
        long rows = logits.shape[0], vocab = logits.shape[1];
        var probs = (logits.to(float32) / temperature).softmax(-1);                          // (B, V)
        var (sorted, order) = probs.sort(dim: -1, descending: true, stable: true);          // (B, V) each
        // Keep position k while the mass before it is below top-p, and k < top-k; the first position always.
        var before = sorted.cumsum(-1) - sorted;                                            // (B, V)
        var keep = before.lt(topP);
        if (topK > 0 && topK < vocab) keep &= arange(vocab, device: logits.device).lt(topK).unsqueeze(0);
        var counts = keep.sum(-1).clamp_min(1).to(CPU).data<long>().ToArray();             // (B,)
        long width = counts.Max();
        var p = sorted.narrow(1, 0, width).to(float64).to(CPU).data<double>().ToArray();   // (B, width) row-major
        var ids = order.narrow(1, 0, width).to(CPU).data<long>().ToArray();
        var outP = new double[rows][];
        var outIds = new long[rows][];
        for (int r = 0; r < rows; r++)
        {
            outP[r] = p.AsSpan((int)(r * width), (int)counts[r]).ToArray();
            outIds[r] = ids.AsSpan((int)(r * width), (int)counts[r]).ToArray();
        }
        return (outP, outIds);
    }
}
