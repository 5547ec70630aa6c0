using Microsoft.Data.Analysis;

namespace LatentLab.Perturbation;

/// <summary>
/// A fine-tuning attack and its control: every metric against k (steps) for the target demonstrations and for benign ones.
/// k50 of <see cref="TargetMetric"/> is the step count at which it has moved halfway from its clean value to the
/// demonstrated value (<see cref="TargetValue"/>: the demonstrated behaviour's own value of the metric), in both runs: a
/// control that moves it as fast says the behaviour is not specifically fragile, only the network.
/// </summary>
public sealed record FineTuneAttackResult(PerturbationCurve Attack, PerturbationCurve Control, string TargetMetric, double TargetValue,
    FineTuneAttackOptions Options)
{
    /// <summary>What the control's demonstrations show (<see cref="IFineTuneSubject.ControlDescription"/>).</summary>
    public string ControlDescription { get; init; } = "benign demonstrations";

    /// <summary>k50 of the target metric under the attack.</summary>
    public HalfwayEstimate AttackK50 => Attack.Halfway(TargetMetric);

    /// <summary>k50 of the target metric under benign fine-tuning.</summary>
    public HalfwayEstimate ControlK50 => Control.Halfway(TargetMetric);

    /// <summary>
    /// Both curves in one table (model column "name (attack)" / "name (control)"); see <see cref="PerturbationCurve.ToDataFrame()"/>:
    /// the s50 rows are k50, and the target metric's reference level, the demonstrated behaviour's value (<see cref="TargetValue"/>),
    /// is the row with stat "demonstrated" where the other metrics have their chance floor.
    /// </summary>
    public DataFrame ToDataFrame() => ToDataFrame([this]);

    /// <summary>One table for several attacks (e.g. a pre-RL and a post-RL policy on the same demonstrations), as <see cref="ToDataFrame()"/>.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<FineTuneAttackResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var df = PerturbationCurve.ToDataFrame(results.SelectMany(r => new[] { r.Attack, r.Control }));
        var target = results.SelectMany(r => new[] { (r.Attack.Model, r.TargetMetric), (r.Control.Model, r.TargetMetric) })
            .ToDictionary(x => x.Model, x => x.TargetMetric);
        var model = (StringDataFrameColumn)df["model"];
        var metric = (StringDataFrameColumn)df["metric"];
        var stat = (StringDataFrameColumn)df["stat"];
        for (long i = 0; i < df.Rows.Count; i++)
            if (stat[i] == "chance" && metric[i] == target[model[i]]) stat[i] = "demonstrated";
        return df;
    }

    public override string ToString() => $"Fine-tuning attack {Options.Target}, n = {Options.Demonstrations}: k50 {AttackK50}; control {ControlK50}";
}
