using LatentLab.Reports;

namespace LatentLab.Perturbation;

/// <summary>
/// Progress of a fine-tuning attack: <paramref name="Step"/> of <paramref name="Steps"/> gradient steps done, the attack's and
/// the control's in turn (attack at odd counts, control at even ones), so step count k of both is done at Step = 2k.
/// </summary>
public sealed record FineTuneAttackProgress(string Model, string Phase, int Step, int Steps, TimeSpan Elapsed)
{
    /// <summary>The record every live display reads.</summary>
    public RunProgress ToRunProgress() => new($"Fine-tuning attack on {Model}", Step, Steps, Elapsed)
    {
        Unit = "gradient steps",
        Message = $"{Model}: {Phase} step {(Step + 1) / 2}/{Steps / 2}",
    };
}
