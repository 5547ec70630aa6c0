namespace LatentLab.Bandits;

/// <summary>
/// A policy to evaluate beside the classic baselines (a trained student, or any <see cref="IBanditPolicy"/> of your own).
/// </summary>
/// <param name="Create">Makes a fresh copy of the policy for the run; the evaluator disposes it.</param>
/// <param name="Description">One line for the result saying what the policy is (how it was trained), or null.</param>
/// <param name="Arms">The K the policy was made for: the evaluation's K when <see cref="BanditEvaluationOptions.Arms"/> is null.</param>
/// <param name="TrainHorizon">The horizon the policy was trained on: where the evaluation splits "before" and "after"
/// when <see cref="BanditEvaluationOptions.TrainHorizon"/> is null.</param>
public sealed record CandidatePolicy(Func<IBanditPolicy> Create, string? Description = null, int? Arms = null, int? TrainHorizon = null);
