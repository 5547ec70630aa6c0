namespace LatentLab.LanguageModels;

/// <summary>What <see cref="TextGenerator.Generate"/> produced.</summary>
/// <param name="Tokens">The new token ids, in order (an end-of-sequence token that stopped it included).</param>
/// <param name="Text">The decoded text of the new tokens without special tokens, cut before a stop string.</param>
/// <param name="StopReason">Why generation ended.</param>
/// <param name="Elapsed">Wall time of the prefill and all decoding steps.</param>
public sealed record GenerationResult(IReadOnlyList<int> Tokens, string Text, GenerationStopReason StopReason, TimeSpan Elapsed)
{
    /// <summary>New tokens per second (prefill included in the time).</summary>
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? Tokens.Count / Elapsed.TotalSeconds : double.NaN;

    public override string ToString() => Text;
}
