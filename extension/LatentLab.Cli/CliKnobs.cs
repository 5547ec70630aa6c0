using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>The knobs every <c>latentlab</c> command shares, declared once like the science records' knobs.</summary>
public sealed record CliKnobs
{
    /// <summary>Folder that receives the result files.</summary>
    [Knob("--out-dir", "Folder that receives the result files (created when missing).", TypeHint = "path", DefaultText = "the current folder")]
    public string OutDir { get; init; } = ".";

    /// <summary>Compute device.</summary>
    [Knob("--device", "Compute device: auto picks CUDA when a GPU is available, else CPU.", Choices = ["auto", "cpu", "cuda"])]
    public string Device { get; init; } = "auto";

    /// <summary>A JSON file holding the command's options record.</summary>
    [Knob("--options", "A JSON file holding this command's options as an object of flag or property names and values, e.g. " +
                       "{\"arms\": 10, \"train-horizon\": 50}; flags given on the line are applied over it.", TypeHint = "path")]
    public string? OptionsFile { get; init; }

    /// <summary>How progress is shown.</summary>
    [Knob("--progress", "Progress display on stderr: auto (live on a terminal, else plain lines), live, plain (one line every few seconds) or none.",
        Choices = ["auto", "live", "plain", "none"])]
    public string Progress { get; init; } = "auto";

    /// <summary>A JSON file receiving the run's summary and scalar metrics (what a sweep merges).</summary>
    [Knob("--summary", "Also write a JSON file with the summary line, the files written and the run's scalar metrics (each sweep point writes one).",
        TypeHint = "path")]
    public string? SummaryFile { get; init; }
}
