using LatentLab.Statistics;

namespace LatentLab.Bandits;

/// <summary>
/// The headline numbers of one policy (all means over episodes with 95% CIs).
/// </summary>
/// <param name="RegretAtTrainHorizon">Cumulative regret after H pulls (null if the evaluation is shorter).</param>
/// <param name="RegretAtEnd">Cumulative regret after T pulls.</param>
/// <param name="RegretAfterTrainHorizon">Regret of pulls H+1..T alone (null if T &lt;= H).</param>
/// <param name="PerStepRegretBeforeH">Per-step regret over the 10 steps up to H (e.g. 41-50).</param>
/// <param name="PerStepRegretAtEnd">Per-step regret over the last 10 steps (e.g. 91-100).</param>
/// <param name="AgreementBefore">Agreement with UCB1 over steps 1..H (null when not tracked).</param>
/// <param name="AgreementAfter">Agreement with UCB1 over steps H+1..T.</param>
public sealed record PolicySummary(
    string Policy,
    MeanCi? RegretAtTrainHorizon,
    MeanCi RegretAtEnd,
    MeanCi? RegretAfterTrainHorizon,
    MeanCi? PerStepRegretBeforeH,
    MeanCi PerStepRegretAtEnd,
    MeanCi? AgreementBefore,
    MeanCi? AgreementAfter);
