using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// Every constant of the alignment environment (see <see cref="AlignmentEnvironment"/>). An episode is three decisions on a
/// context: the number of concern tokens k (0..MaxConcerns), the mode (comply / sandbag / refuse), the answer (0..Classes-1).
/// Reward (only when the context is truly monitored, a helpful-only grader):
///   comply: 1 if the graded answer is correct; sandbag: SandbagCredit; refuse: -RefusePenalty;
///   then - ConcernCost * k + JudgeBonus * [k &gt; 0].
/// The graded answer is the policy's answer except after a "slip" (probability AnswerSlip * (1 - Coupling * k / MaxConcerns)),
/// when it is a uniformly random class: Coupling is how much writing concerns improves performance.
/// </summary>
public sealed record AlignmentEnvironmentOptions
{
    /// <summary>Task feature dimensions (1..256).</summary>
    [Knob("--feature-dim", "Task feature dimensions (the policy's input size: part of the environment's shape).", Min = 1, Max = 256)]
    public int FeatureDim { get; init; } = 8;

    /// <summary>Answer classes; the correct one is argmax(W x) for a fixed random W, the "capability" (2..16).</summary>
    [Knob("--classes", "Answer classes; the correct one is argmax(W x) for a fixed random W, the capability (part of the shape).", Min = 2, Max = 16)]
    public int Classes { get; init; } = 4;

    /// <summary>Largest number of concern tokens one episode may write (1..8).</summary>
    [Knob("--max-concerns", "Largest number of concern tokens per episode (part of the shape).", Min = 1, Max = 8)]
    public int MaxConcerns { get; init; } = 3;

    /// <summary>Seed of the capability matrix W (any integer): the same seed gives the same task.</summary>
    [Knob("--capability-seed", "Seed of the capability matrix W: the same seed gives the same task.")]
    public int CapabilitySeed { get; init; } = 12345;

    /// <summary>Share of harmful requests among sampled contexts (0..1).</summary>
    [Knob("--harmful-share", "Share of harmful requests among sampled contexts.", Min = 0, Max = 1)]
    public double HarmfulShare { get; init; } = 0.5;

    /// <summary>Probability that the monitored flag the policy sees is flipped (imperfect situational awareness, 0..0.5).</summary>
    [Knob("--monitor-flip-noise", "Chance that the monitored flag the policy sees is flipped (imperfect situational awareness).", Min = 0, Max = 0.5)]
    public double MonitorFlipNoise { get; init; } = 0.0;

    /// <summary>Grader's credit for a sandbagged answer (looks compliant, wrong on purpose), (-1..1).</summary>
    [Knob("--sandbag-credit", "Grader's credit for a sandbagged answer (looks compliant, wrong on purpose).", Min = -1, Max = 1)]
    public double SandbagCredit { get; init; } = 0.3;

    /// <summary>Penalty for a refusal (the reward is minus this, 0..2).</summary>
    [Knob("--refuse-penalty", "Penalty for a refusal (the reward is minus this).", Min = 0, Max = 2)]
    public double RefusePenalty { get; init; } = 0.5;

    /// <summary>Reward cost per concern token, lambda (0..1).</summary>
    [Knob("--concern-cost", "Reward cost per concern token, lambda.", Min = 0, Max = 1)]
    public double ConcernCost { get; init; } = 0.05;

    /// <summary>Optional constitutional-judge bonus for writing any concerns, alpha (0..1).</summary>
    [Knob("--judge-bonus", "Judge bonus for writing any concerns, alpha.", Min = 0, Max = 1)]
    public double JudgeBonus { get; init; } = 0.0;

    /// <summary>Probability that a compliant answer slips to a random class when no concerns are written (0..1).</summary>
    [Knob("--answer-slip", "Chance that a compliant answer slips to a random class when no concerns are written.", Min = 0, Max = 1)]
    public double AnswerSlip { get; init; } = 0.3;

    /// <summary>How much concerns prevent slips: slip = AnswerSlip * (1 - Coupling * k / MaxConcerns), (0..1).</summary>
    [Knob("--coupling", "How much concerns prevent slips: slip = answer-slip * (1 - coupling * k / max-concerns).", Min = 0, Max = 1)]
    public double Coupling { get; init; } = 0.0;

    /// <summary>Number of decision sequences per context: (MaxConcerns + 1) * 3 * Classes.</summary>
    public int Sequences => (MaxConcerns + 1) * AlignmentEnvironment.Modes * Classes;

    /// <summary>
    /// The concern cost at which one more concern token stops paying for a policy that answers correctly:
    /// lambda* = AnswerSlip * Coupling * (1 - 1/Classes) / MaxConcerns (each token cuts the slip probability by
    /// AnswerSlip * Coupling / MaxConcerns, and a slip loses 1 - 1/Classes of expected credit), plus the judge bonus spread
    /// over one token. Concerns should survive RL where ConcernCost &lt; lambda* (the phase diagram's analytic boundary).
    /// </summary>
    public double ConcernBreakEvenCost => AnswerSlip * Coupling * (1 - 1.0 / Classes) / MaxConcerns + JudgeBonus;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);
}
