using LatentLab.Options;
using TorchSharp;

namespace LatentLab.LanguageModels;

/// <summary>
/// Where a language model comes from, as flags declared once for every front end (<c>#!llm-load</c>, and the console's
/// <c>llm-info</c>, <c>llm-generate</c> and <c>llm-cot</c>): a Hugging Face checkpoint folder, an optional tokenizer folder
/// and the compute dtype. <see cref="Load"/> reads it with every check named by its flag.
/// </summary>
public sealed record LanguageModelSource
{
    /// <summary>The checkpoint folder.</summary>
    [Knob("--model", "Checkpoint folder as the Hugging Face hub gives it: config.json, model.safetensors (or shards + index), tokenizer.json, tokenizer_config.json.",
        TypeHint = "path")]
    public string? Model { get; init; }

    /// <summary>A folder with tokenizer.json when the checkpoint folder has none.</summary>
    [Knob("--tokenizer", "Folder with tokenizer.json (+ tokenizer_config.json) when the checkpoint folder has none.", TypeHint = "path")]
    public string? Tokenizer { get; init; }

    /// <summary>The compute dtype.</summary>
    [Knob("--dtype", "Compute dtype: float32 (matches transformers to 1e-4) or bfloat16 (half the memory).")]
    public ComputeDType DType { get; init; } = ComputeDType.Float32;

    /// <summary>
    /// Loads the model (and the --tokenizer, when given) on <paramref name="device"/>; <paramref name="needTokenizer"/> makes
    /// a model without one an error. Bad input throws <see cref="ArgumentException"/> naming the flag.
    /// </summary>
    public LanguageModel Load(torch.Device device, bool needTokenizer = false)
    {
        var folder = Model ?? throw new ArgumentException("--model is required: the checkpoint folder (config.json, model.safetensors, tokenizer.json), " +
                                                          "e.g. --model /models/Qwen3-0.6B.");
        if (File.Exists(folder)) throw new ArgumentException($"--model {folder} is a file; give the checkpoint folder that holds it (config.json, model.safetensors, tokenizer.json).");
        if (!Directory.Exists(folder)) throw new ArgumentException($"--model {folder}: no such folder. Give the checkpoint folder (config.json, model.safetensors, tokenizer.json).");
        if (Tokenizer is { } tok && !File.Exists(Path.Combine(tok, "tokenizer.json")))
            throw new ArgumentException($"--tokenizer {tok}: there is no tokenizer.json in it. Give the folder that holds tokenizer.json (and tokenizer_config.json).");
        var dtype = DType == ComputeDType.BFloat16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float32;
        var model = LanguageModel.Load(folder, device, dtype);
        try
        {
            if (Tokenizer is { } t) model.UseTokenizer(LanguageModelTokenizer.Load(t));
            if (needTokenizer && model.Tokenizer is null)
                throw new ArgumentException($"--model {folder}: the checkpoint folder has no tokenizer.json; add --tokenizer <folder with tokenizer.json>.");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
