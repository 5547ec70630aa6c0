using LatentLab.LanguageModels;
using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>What <c>#!llm-load</c> reads: a Hugging Face checkpoint folder (and optionally a tokenizer folder) and the compute dtype.</summary>
public sealed record LlmLoadInputs
{
    [Knob("--model", "Checkpoint folder as the Hugging Face hub gives it: config.json, model.safetensors (or shards + index), tokenizer.json, tokenizer_config.json.",
        TypeHint = "path")]
    public string? Model { get; init; }

    [Knob("--tokenizer", "Folder with tokenizer.json (+ tokenizer_config.json) when the checkpoint folder has none.", TypeHint = "path")]
    public string? Tokenizer { get; init; }

    [Knob("--dtype", "Compute dtype: float32 (matches transformers to 1e-4) or bfloat16 (half the memory).")]
    public ComputeDType DType { get; init; } = ComputeDType.Float32;
}
