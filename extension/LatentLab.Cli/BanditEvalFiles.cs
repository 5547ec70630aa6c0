using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>What <c>latentlab bandit-eval</c> reads: the student's checkpoint (a terminal has no notebook variables).</summary>
public sealed record BanditEvalFiles
{
    /// <summary>Checkpoint of a trained student.</summary>
    [Knob("--load", "Checkpoint of a trained student, e.g. student.ckpt written by latentlab bandit-train.", TypeHint = "path", Required = true)]
    public string? Load { get; init; }
}
