using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Probes;
using LatentLab.Reinforcement;

namespace LatentLab.Reports;

/// <summary>
/// Each LatentLab run's own progress record as the one <see cref="RunProgress"/> that live displays read. The science
/// keeps its typed records (tests and callers read their fields); a display converts them here.
/// </summary>
public static class ProgressConversions
{
    /// <summary>Student training: loss, agreement with the teacher and the teacher's share, at env-steps per second.</summary>
    public static RunProgress ToRunProgress(this TrainingProgress p) => new("Training the student", p.Step, p.TotalSteps, p.Elapsed)
    {
        Unit = "steps",
        Scalars = [new("loss", p.Loss), new("agreement with teacher", p.Agreement), new("teacher share", p.TeacherMix, "0.00")],
        Rate = p.EnvStepsPerSecond,
        RateUnit = "env-steps",
    };

    /// <summary>A probe sweep: cells done, the best accuracy of the layer just finished.</summary>
    public static RunProgress ToRunProgress(this SweepProgress p) => new("Probe sweep", p.CellsDone, p.CellsTotal, p.Elapsed)
    {
        Unit = "cells",
        Scalars = double.IsNaN(p.BestAccuracy) ? [] : [new("best accuracy of the last layer", p.BestAccuracy)],
        Message = $"{p.LayersDone}/{p.LayersTotal} layers; {p.Message}",
    };

    /// <summary>The synthetic chain-of-thought model: training steps (loss, answer accuracy of the last batch), then recording.</summary>
    public static RunProgress ToRunProgress(this CotSyntheticProgress p) =>
        new(p.Phase == "record" ? "cot-synthetic: recording activations" : "cot-synthetic: training", p.Step, p.Steps, p.Elapsed)
        {
            Unit = "steps",
            Scalars = [new("loss", p.Loss), new("answer accuracy (last batch)", p.AnswerAccuracy, "0.00")],
            Message = p.Phase == "record" ? $"trained {p.Step} steps; recording activations of the held-out questions…" : null,
        };

    /// <summary>A bandit evaluation: steps of every policy in turn.</summary>
    public static RunProgress ToRunProgress(this EvaluationProgress p) =>
        new($"Evaluating {p.Policy} ({p.PolicyIndex + 1} of {p.PolicyCount})", (long)p.PolicyIndex * p.Horizon + p.Step, (long)p.PolicyCount * p.Horizon, p.Elapsed)
        {
            Unit = "steps",
        };

    /// <summary>An RL run (PPO or GRPO): iterations, with behaviour rates and KL to the reference as the scalars (the panel charts them).</summary>
    public static RunProgress ToRunProgress(this RlProgress p, string algorithm, TimeSpan elapsed) =>
        new($"{algorithm.ToUpperInvariant()} on the alignment environment", p.Step, p.Steps, elapsed)
        {
            Unit = "iterations",
            Scalars = new[] { AlignmentMetrics.ComplianceTrain, AlignmentMetrics.ComplianceDeploy, AlignmentMetrics.FakingShare, AlignmentMetrics.Evil,
                              AlignmentMetrics.KlTrain, AlignmentMetrics.KlDeploy }
                .Where(p.Means.ContainsKey).Select(m => new RunScalar(m, p.Means[m])).ToArray(),
        };

    /// <summary>Baking a reference: steps, each context type's mean KL(target || pi) (worst seed), and whether the rates match yet.</summary>
    public static RunProgress ToRunProgress(this BakeProgress p, TimeSpan elapsed) => new("Baking the reference", p.Step, p.MaxSteps, elapsed)
    {
        Unit = "steps",
        Scalars = p.KlByType.Select(kv => new RunScalar("KL " + kv.Key.Replace('_', ' '), kv.Value, "0.0000")).ToArray(),
        Message = p.Matched ? "rates matched" : null,
    };
}
