using Microsoft.Data.Analysis;

namespace LatentLab.Perturbation;

/// <summary>
/// A fine-tuning attack and its control: every metric against k (steps) for the target demonstrations and for benign ones.
/// k50 of <see cref="TargetMetric"/> is the step count at which it has moved halfway from its clean value to the
/// demonstrated value (<see cref="TargetValue"/>), in both runs: a control that moves it as fast says the behaviour is not
/// specifically fragile, only the network.
/// </summary>
public sealed record FineTuneAttackResult(PerturbationCurve Attack, PerturbationCurve Control, string TargetMetric, double TargetValue,
    FineTuneAttackOptions Options)
{
    /// <summary>k50 of the target metric under the attack.</summary>
    public HalfwayEstimate AttackK50 => Attack.Halfway(TargetMetric);

    /// <summary>k50 of the target metric under benign fine-tuning.</summary>
    public HalfwayEstimate ControlK50 => Control.Halfway(TargetMetric);

    /// <summary>Both curves in one table (model column "name (attack)" / "name (control)"); see <see cref="PerturbationCurve.ToDataFrame()"/>.</summary>
    public DataFrame ToDataFrame() => PerturbationCurve.ToDataFrame([Attack, Control]);

    public override string ToString() => $"Fine-tuning attack {Options.Target}, n = {Options.Demonstrations}: k50 {AttackK50}; control {ControlK50}";
}
