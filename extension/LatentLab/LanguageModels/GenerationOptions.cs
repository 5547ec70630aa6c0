using LatentLab.Options;

namespace LatentLab.LanguageModels;

/// <summary>
/// How <see cref="TextGenerator"/> picks tokens and when it stops (the <c>#!llm-generate</c> / <c>#!llm-cot</c> generation
/// knobs, declared once). Temperature 0 is greedy decoding (argmax, as <see cref="LanguageModel.GenerateGreedy(TorchSharp.torch.Tensor, int)"/>);
/// above 0 the next token is drawn from softmax(logits / temperature) cut to the smallest set of tokens whose probability
/// reaches <see cref="TopP"/> (nucleus sampling), after an optional cut to the <see cref="TopK"/> most likely, with a seeded
/// generator: same seed, same tokens. In a batch (<see cref="TextGenerator.GenerateBatch"/>) row r uses seed
/// <see cref="Seed"/> + r unless seeds are given, and draws as it would alone.
/// </summary>
public sealed record GenerationOptions : IKnobRules
{
    [Knob("--max-new-tokens", "Tokens to generate at most (generation stops earlier at EOS or a stop string).", Min = 1, Max = 1_000_000)]
    public int MaxNewTokens { get; init; } = 256;

    [Knob("--temperature", "0: greedy (argmax); above 0: sample from softmax(logits / temperature).", Min = 0, Max = 100)]
    public double Temperature { get; init; }

    [Knob("--top-k", "Sample only from the k most likely tokens (applied before --top-p, as transformers does; 0: no limit).", Min = 0, Max = 10_000_000)]
    public int TopK { get; init; }

    [Knob("--top-p", "Nucleus sampling: draw only from the most likely tokens whose probabilities add up to this (1: all tokens).", Min = 0, ExclusiveMin = true, Max = 1)]
    public double TopP { get; init; } = 1.0;

    [Knob("--seed", "Seed of the sampler (same seed, same tokens; unused at temperature 0).", Min = 0)]
    public int Seed { get; init; }

    [Knob("--stop", "Stop strings: generation ends once the generated text contains one (comma-separated list).")]
    public IReadOnlyList<string>? Stop { get; init; }

    [Knob("--eos", "Stop at the model's end-of-sequence tokens (config.json eos_token_id and the tokenizer's eos token; --no-eos: always generate --max-new-tokens).", OffFlag = "--no-eos")]
    public bool StopAtEos { get; init; } = true;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Stop is not null && Stop.Any(string.IsNullOrEmpty))
            yield return "{Stop} holds an empty stop string; every stop string needs at least one character.";
    }
}
