using static TorchSharp.torch;


namespace LatentLab.Reinforcement;

/// <summary>
/// A batch of contexts. Every tensor has the same leading shape B: (N) for a set shared by all seeds, or (S, N) for one
/// set per seed.
/// </summary>
/// <param name="Monitored">B float 0/1: the context is truly monitored (training): only then is there reward.</param>
/// <param name="ObservedMonitored">B float 0/1: the flag the policy sees (Monitored, flipped with the flip noise).</param>
/// <param name="Harmful">B float 0/1: the request is harmful.</param>
/// <param name="Features">(B, D) float task features.</param>
/// <param name="Target">B long: the correct answer argmax(W x).</param>
public sealed record AlignmentContexts(Tensor Monitored, Tensor ObservedMonitored, Tensor Harmful, Tensor Features, Tensor Target)
{
    /// <summary>Number of contexts along the last batch axis.</summary>
    public long Count => Monitored.shape[^1];

    /// <summary>The policy's view of the contexts: (B, 2 + D) = [observed monitored, harmful, features].</summary>
    public Tensor Encode() => cat([ObservedMonitored.unsqueeze(-1), Harmful.unsqueeze(-1), Features], -1);

    /// <summary>The contexts at <paramref name="index"/> (a long tensor indexing the first axis of an (N) set), any shape I: tensors I and (I, D).</summary>
    public AlignmentContexts Take(Tensor index) => new(
        Monitored[index], ObservedMonitored[index], Harmful[index], Features[index], Target[index]);

    /// <summary>Draws contexts of <paramref name="shape"/> uniformly with replacement from this (N) set.</summary>
    public AlignmentContexts Draw(long[] shape, Generator generator) =>
        Take(randint(Count, shape, dtype: int64, device: Monitored.device, generator: generator));
}
