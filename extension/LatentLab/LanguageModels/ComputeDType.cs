namespace LatentLab.LanguageModels;

/// <summary>The number type a <see cref="LanguageModel"/> computes in (<c>#!llm-load --dtype</c>).</summary>
public enum ComputeDType
{
    /// <summary>4 bytes a weight; matches transformers' float32 run to 1e-4.</summary>
    Float32,
    /// <summary>2 bytes a weight: half the memory and half the bytes read per generated token.</summary>
    BFloat16,
}
