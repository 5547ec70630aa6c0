namespace LatentLab.Bandits;

/// <summary>
/// A policy that can play a whole rollout in one pass of its own, with the numbers that stepping it pull by pull gives
/// (the student's fused kernel, <c>StackedStudentPolicy</c>). <see cref="BanditRollout.Run"/> asks it first.
/// </summary>
internal interface IWholeRolloutPolicy
{
    /// <summary>
    /// Plays <paramref name="env"/> (just reset, and this policy reset for it) for <paramref name="horizon"/> pulls and returns
    /// the trace <see cref="BanditRollout.Run"/> would return, or null when it cannot here (then the caller steps it).
    /// </summary>
    RolloutTrace? TryPlay(BanditEnvironment env, int horizon, bool trackAgreement, Action<int>? onStep, CancellationToken cancellationToken);
}
