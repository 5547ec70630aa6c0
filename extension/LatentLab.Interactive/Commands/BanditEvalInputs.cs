using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>Which student <c>#!bandit-eval</c> evaluates: a variable or a checkpoint file.</summary>
public sealed record BanditEvalInputs : IKnobRules
{
    /// <summary>C# variable holding a trained student.</summary>
    [Knob("--model", "C# variable holding a trained student (from #!bandit-train --out); model when neither --model nor --load is given.",
        Identifier = true, TypeHint = "variable")]
    public string? Model { get; init; }

    /// <summary>Checkpoint file of a trained student.</summary>
    [Knob("--load", "A checkpoint file saved by #!bandit-train --save or student.Save(path). Give this or --model.", TypeHint = "path")]
    public string? Load { get; init; }

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (!string.IsNullOrWhiteSpace(Model) && !string.IsNullOrWhiteSpace(Load))
            yield return $"give {{Model}} or {{Load}}, not both (got --model {Model} and --load {Load}).";
        if (Load is { } path && string.IsNullOrWhiteSpace(path))
            yield return "{Load} needs a file path.";
    }
}
