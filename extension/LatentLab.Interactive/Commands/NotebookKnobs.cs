using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// The knobs every LatentLab magic command shares, declared once: where to compute, which variable receives the result,
/// and a parameters-cell record to start from. A command offers the ones that apply to it (see <see cref="CommandDefinition"/>).
/// </summary>
public sealed record NotebookKnobs
{
    /// <summary>Compute device.</summary>
    [Knob("--device", "Compute device: auto picks CUDA when a GPU is available, else CPU.", Choices = ["auto", "cpu", "cuda"])]
    public string Device { get; init; } = "auto";

    /// <summary>The C# variable that receives the result (null: the command's own default name).</summary>
    [Knob("--out", "Name of the C# variable that receives the result, usable in the next cell.", Identifier = true, TypeHint = "variable")]
    public string? Out { get; init; }

    /// <summary>A C# variable holding the command's options record.</summary>
    [Knob("--options", "C# variable holding this command's options record (e.g. built in a parameters cell); options given on the line " +
                       "are applied over it.", Identifier = true, TypeHint = "variable")]
    public string? Options { get; init; }
}
