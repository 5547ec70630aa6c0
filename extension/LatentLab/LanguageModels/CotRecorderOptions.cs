using LatentLab.Options;

namespace LatentLab.LanguageModels;

/// <summary>
/// Options of <see cref="CotRecorder.Record"/> (the <c>#!llm-cot</c> options besides generation, which are
/// <see cref="GenerationOptions"/>). Each knob is declared once here.
/// </summary>
public sealed record CotRecorderOptions : IKnobRules
{
    /// <summary>Residual-stream layers to record: 0 = the embedding, i = after block i (null: all L + 1).</summary>
    [Knob("--layers", "Residual-stream layers to record: all, or a list such as 0,4,8 or 10-20 (0 = the embedding, i = after block i).", Min = 0)]
    public IReadOnlyList<int>? Layers { get; init; }

    [Knob("--dtype", "Number type of the stored activations (float16 halves the file).")]
    public CotActivationDType DType { get; init; } = CotActivationDType.Float16;

    [Knob("--unanswered", "A chain that never states an answer: skip it (counted, kept in records.jsonl only) or label it with the most likely letter at its last token.")]
    public CotUnanswered Unanswered { get; init; } = CotUnanswered.Skip;

    [Knob("--instruction", "Put after the question and its lettered options in the user message.")]
    public string Instruction { get; init; } = "Think step by step, then give your final answer on the last line as \"Answer: X\" where X is the letter of your choice.";

    [Knob("--system", "System message of the chat prompt (empty: none).")]
    public string System { get; init; } = "";

    [Knob("--thinking", "Qwen3: let the model think in a <think> block first (--no-thinking: the chat template's enable_thinking=false).", OffFlag = "--no-thinking")]
    public bool Thinking { get; init; }

    [Knob("--limit", "Record at most this many questions of the file (0: all).", Min = 0)]
    public int Limit { get; init; }

    [Knob("--threads", "Torch threads during the run (0: keep the process setting).", Min = 0, Max = 1024)]
    public int Threads { get; init; }

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Layers is { Count: 0 }) yield return "{Layers} is an empty list; leave it out to record every layer.";
        if (Layers is not null && Layers.Distinct().Count() != Layers.Count) yield return "{Layers} names a layer twice.";
    }
}
