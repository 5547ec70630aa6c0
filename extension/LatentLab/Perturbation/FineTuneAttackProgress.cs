using LatentLab.Reports;

namespace LatentLab.Perturbation;

/// <summary>Progress of a fine-tuning attack: <paramref name="Step"/> of <paramref name="Steps"/> gradient steps done (attack, then control).</summary>
public sealed record FineTuneAttackProgress(string Model, string Phase, int Step, int Steps, TimeSpan Elapsed)
{
    /// <summary>The record every live display reads.</summary>
    public RunProgress ToRunProgress() => new($"Fine-tuning attack on {Model}", Step, Steps, Elapsed)
    {
        Unit = "gradient steps",
        Message = $"{Model}: {Phase} step {Step}/{Steps}",
    };
}
