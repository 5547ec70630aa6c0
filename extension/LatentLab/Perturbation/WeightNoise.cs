using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// Relative Gaussian weight noise, per tensor: W' = W + s * RMS(W) * eps, eps ~ N(0, 1), RMS(W) = sqrt(mean(W^2)) over the
/// whole tensor (so rescaling a layer does not change what a given s does to it). A tensor of zeros (e.g. fresh biases)
/// has RMS 0 and gets no noise.
/// </summary>
public static class WeightNoise
{
    /// <summary>
    /// eps for every parameter and noise seed: [i] is (R, ...shapes[i]), drawn on the CPU from one generator seeded with
    /// <paramref name="seed"/>, parameter by parameter in order (so it depends only on the shapes, the seed count and the seed:
    /// two networks of the same shape get the same draws), then moved to <paramref name="device"/>.
    /// </summary>
    public static Tensor[] Draw(IReadOnlyList<long[]> shapes, int seeds, int seed, Device device)
    {
        if (seeds < 1) throw new ArgumentException($"seeds = {seeds}: draw at least one noise seed.", nameof(seeds));
        using var g = new Generator((ulong)seed, CPU);
        return shapes.Select(s => randn([seeds, .. s], float32, CPU, generator: g).to(device)).ToArray();
    }

    /// <summary>RMS(W) = sqrt(mean(W^2)) of one tensor, as a 0-dim tensor.</summary>
    public static Tensor Rms(Tensor w) => w.to(float32).pow(2).mean().sqrt();

    /// <summary>
    /// The perturbed stacks W + s * RMS(W) * eps: for parameter i, (R, ...shape) where <paramref name="touched"/>[i], else the
    /// clean tensor repeated R times. With s = 0 every copy equals the clean tensor exactly.
    /// </summary>
    /// <param name="clean">Clean tensors, [i] of shape (...shape_i).</param>
    /// <param name="eps">From <see cref="Draw"/>: [i] (R, ...shape_i).</param>
    /// <param name="masks">Optional 0/1 masks broadcastable to shape_i (null entries: the whole tensor), e.g. one input's row;
    /// RMS stays that of the whole tensor.</param>
    public static Tensor[] Apply(IReadOnlyList<Tensor> clean, IReadOnlyList<Tensor> eps, IReadOnlyList<bool> touched, double scale,
        IReadOnlyList<Tensor?>? masks = null)
    {
        if (clean.Count != eps.Count || clean.Count != touched.Count)
            throw new ArgumentException($"{clean.Count} tensors, {eps.Count} noise draws and {touched.Count} scope flags: give one of each per parameter.");
        var result = new Tensor[clean.Count];
        for (int i = 0; i < clean.Count; i++)
        {
            var w = clean[i].detach().unsqueeze(0);                                  // (1, ...shape)
            long r = eps[i].shape[0];
            var noise = eps[i] * (Rms(clean[i]) * scale);                           // (R, ...shape)
            if (masks?[i] is { } mask) noise = noise * mask;
            result[i] = touched[i] ? w + noise : w.expand([r, .. clean[i].shape]).contiguous();
        }
        return result;
    }
}
