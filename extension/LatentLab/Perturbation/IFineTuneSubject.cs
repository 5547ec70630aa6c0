namespace LatentLab.Perturbation;

/// <summary>
/// A perturbation subject a fine-tuning attack can train (<see cref="FineTuneAttack"/>): which behaviours it has
/// demonstrations for, what each one moves, and R copies of its network fine-tuned on demonstrations. The attack loop,
/// the step grid, the curves and k50 are the same for every kind of network; only the demonstrations and the loss are the
/// subject's own.
/// </summary>
public interface IFineTuneSubject : IPerturbationSubject
{
    /// <summary>What kind of network this is, for messages (e.g. "an RL lab policy", "a bandit student").</summary>
    string Kind { get; }

    /// <summary>The targets this kind of network has demonstrations for; the first is the default (<c>--target</c> not given).</summary>
    IReadOnlyList<FineTuneTarget> Targets { get; }

    /// <summary>
    /// The attack's learning rate when <c>--attack-lr</c> is not given: one a step of which does not by itself undo the
    /// network's capability (the control keeps it), e.g. the rate its own training ended on.
    /// </summary>
    double DefaultLearningRate { get; }

    /// <summary>What the control (benign) demonstrations show, for tables (e.g. "UCB1 on fresh bandits").</summary>
    string ControlDescription { get; }

    /// <summary>
    /// The metric an attack towards <paramref name="target"/> moves, and the level it moves towards: the demonstrated
    /// behaviour's own value of that metric (k50 is halfway from the clean value to it).
    /// </summary>
    (string Metric, double Level) Goal(FineTuneTarget target);

    /// <summary>
    /// <c>options.Seeds</c> copies of the clean network, each with its own <c>options.Demonstrations</c> demonstrations of
    /// <paramref name="target"/> (the control's benign ones when null) and its own optimiser; the same options give the same
    /// demonstrations; Adam at <c>options.LearningRate</c> (<see cref="DefaultLearningRate"/> when null). The caller disposes it; the
    /// clean network is never changed.
    /// </summary>
    IFineTuneCopies FineTune(FineTuneTarget? target, FineTuneAttackOptions options);
}
