using LatentLab.Bandits;

namespace LatentLab.Imitation;

/// <summary>
/// Every knob of student training, with its default. Mirrors `#!bandit-train` (see DESIGN.md).
/// </summary>
public sealed record BanditTrainingOptions
{
    /// <summary>K, the number of arms (>= 2).</summary>
    public int Arms { get; init; } = 5;

    /// <summary>Episode length in training: the student never sees a step past it.</summary>
    public int TrainHorizon { get; init; } = 50;

    /// <summary>ucb1 (default) or thompson.</summary>
    public TeacherKind Teacher { get; init; } = TeacherKind.Ucb1;

    /// <summary>LSTM hidden size.</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>Hidden units of a two-layer MLP head (LSTM state -> score); 0 = a linear head.</summary>
    public int HeadHidden { get; init; } = 32;

    /// <summary>Stacked LSTM layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Gradient steps; each step draws <see cref="Batch"/> fresh bandits.</summary>
    public int Steps { get; init; } = 3000;

    /// <summary>Episodes per gradient step.</summary>
    public int Batch { get; init; } = 256;

    /// <summary>Adam learning rate (cosine-decayed to 10% of it by the last step).</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>DAgger: the student acts (mixed with the teacher, see <see cref="TeacherMixSteps"/>) and the teacher labels the
    /// states the student visits. False = plain behaviour cloning (the teacher always acts).</summary>
    public bool Dagger { get; init; } = true;

    /// <summary>DAgger mixing schedule: the probability that the teacher (not the student) acts at a step falls linearly
    /// from 1 to <see cref="TeacherMixFinal"/> over this fraction of the steps, then stays there.</summary>
    public double TeacherMixSteps { get; init; } = 0.3;

    /// <summary>Final probability that the teacher acts under DAgger.</summary>
    public double TeacherMixFinal { get; init; } = 0.0;

    /// <summary>Student architecture (per-arm shared LSTM by default; Joint is the FACTS.md baseline).</summary>
    public StudentArchitecture Architecture { get; init; } = StudentArchitecture.PerArm;

    /// <summary>Joint architecture only: also feed t/H (the FACTS.md baseline input that goes out of range after H).</summary>
    public bool TimeInput { get; init; }

    /// <summary>Bernoulli (default) or Gaussian arms; means ~ U(0,1) per episode.</summary>
    public RewardKind Reward { get; init; } = RewardKind.Bernoulli;

    /// <summary>Standard deviation of Gaussian rewards.</summary>
    public double NoiseStd { get; init; } = 1.0;

    /// <summary>PerArm only: also feed every arm 1/(t+1), a clock input that stays in its training range for any t.</summary>
    public bool InverseTimeInput { get; init; } = true;

    /// <summary>
    /// PerArm only: each gradient step draws its number of arms uniformly from [MinTrainArms, Arms] (the shared per-arm
    /// LSTM plays any K). Fewer arms in a 50-step episode give larger per-arm counts, still within TrainHorizon steps.
    /// 0 = always Arms.
    /// </summary>
    public int MinTrainArms { get; init; } = 2;

    /// <summary>
    /// UCB1 teacher only: weight of a distillation loss, the cross-entropy between the student's scores and
    /// softmax(<see cref="IndexScale"/> x UCB1's index (mean + sqrt(2 ln t / n))), next to the cross-entropy on UCB1's
    /// choice. The choice says only which arm is best; the index says by how much the others trail it, so close calls
    /// are learnt from every state instead of only from the ones where they decide. 0 = off. Not used with the Thompson
    /// teacher, whose labels are already soft (the share of posterior draws each arm wins).
    /// </summary>
    public double IndexLossWeight { get; init; } = 1.0;

    /// <summary>True when training adds the UCB1-index distillation loss (UCB1 teacher and IndexLossWeight &gt; 0).</summary>
    public bool UsesIndexLoss => IndexLossWeight > 0 && Teacher == TeacherKind.Ucb1;

    /// <summary>Inverse temperature of the distillation target (see <see cref="IndexLossWeight"/>): an arm whose index
    /// trails the best by 1/IndexScale gets e^-1 of its probability.</summary>
    public double IndexScale { get; init; } = 30.0;

    /// <summary>
    /// Weight averaging: the trained student is an exponential moving average of the weights over the steps
    /// (avg = decay x avg + (1 - decay) x weights after every step; the raw weights keep training and act in the DAgger
    /// rollouts). Smooths the step-to-step wobble of the policy. 0 = off (the last weights).
    /// </summary>
    public double AverageDecay { get; init; }

    /// <summary>Posterior samples per arm used to turn a Thompson teacher into soft labels.</summary>
    public int ThompsonLabelSamples { get; init; } = 16;

    /// <summary>Global gradient-norm clip.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Seed for weights, bandits and mixing coins.</summary>
    public long Seed { get; init; }

    /// <summary>Torch threads for the run (0 keeps the current setting). One is fastest for this small LSTM here
    /// (0.21 vs 0.16 M env-steps/s with two) and fixes the floating-point order, so numbers repeat across machines.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Report progress every this many steps (and at the last one).</summary>
    public int ProgressEvery { get; init; } = 10;

    public BanditSpec Spec => new(Arms, Reward, null, NoiseStd);

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option and the fix.</summary>
    public void Validate()
    {
        if (Arms < 2) throw new ArgumentException($"--arms must be at least 2 (got {Arms}).", nameof(Arms));
        if (TrainHorizon < 1) throw new ArgumentException($"--train-horizon must be at least 1 (got {TrainHorizon}).", nameof(TrainHorizon));
        if (Hidden < 1) throw new ArgumentException($"--hidden must be at least 1 (got {Hidden}).", nameof(Hidden));
        if (HeadHidden < 0) throw new ArgumentException($"HeadHidden must be 0 (linear head) or positive (got {HeadHidden}).", nameof(HeadHidden));
        if (Layers < 1) throw new ArgumentException($"--layers must be at least 1 (got {Layers}).", nameof(Layers));
        if (Steps < 1) throw new ArgumentException($"--steps must be at least 1 (got {Steps}).", nameof(Steps));
        if (Batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {Batch}).", nameof(Batch));
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new ArgumentException($"--lr must be a positive number (got {LearningRate}).", nameof(LearningRate));
        if (!(TeacherMixSteps >= 0 && TeacherMixSteps <= 1)) throw new ArgumentException($"TeacherMixSteps must lie in [0, 1] (got {TeacherMixSteps}).", nameof(TeacherMixSteps));
        if (!(TeacherMixFinal >= 0 && TeacherMixFinal <= 1)) throw new ArgumentException($"TeacherMixFinal must lie in [0, 1] (got {TeacherMixFinal}).", nameof(TeacherMixFinal));
        if (TimeInput && Architecture != StudentArchitecture.Joint) throw new ArgumentException("TimeInput (t/H) is only available with the Joint architecture.", nameof(TimeInput));
        if (MinTrainArms != 0 && (MinTrainArms < 2 || MinTrainArms > Arms))
            throw new ArgumentException($"MinTrainArms must be 0 (off) or lie in 2..{Arms} (got {MinTrainArms}).", nameof(MinTrainArms));
        if (!(IndexLossWeight >= 0 && double.IsFinite(IndexLossWeight))) throw new ArgumentException($"--index-loss must be 0 (off) or a positive weight (got {IndexLossWeight}).", nameof(IndexLossWeight));
        if (!(IndexScale > 0 && double.IsFinite(IndexScale))) throw new ArgumentException($"IndexScale must be positive (got {IndexScale}).", nameof(IndexScale));
        if (!(AverageDecay >= 0 && AverageDecay < 1)) throw new ArgumentException($"--average must lie in [0, 1) (got {AverageDecay}); 0 turns weight averaging off.", nameof(AverageDecay));
        if (ThompsonLabelSamples < 1) throw new ArgumentException($"ThompsonLabelSamples must be at least 1 (got {ThompsonLabelSamples}).", nameof(ThompsonLabelSamples));
        if (!(GradClip > 0)) throw new ArgumentException($"GradClip must be positive (got {GradClip}).", nameof(GradClip));
        if (Threads < 0) throw new ArgumentException($"--threads {Threads}: use 0 (keep the current setting) or a positive count.", nameof(Threads));
        if (ProgressEvery < 1) throw new ArgumentException($"ProgressEvery must be at least 1 (got {ProgressEvery}).", nameof(ProgressEvery));
        Spec.Validate();
    }

    /// <summary>Parses a teacher name: ucb1 (alias ucb) or thompson.</summary>
    public static TeacherKind ParseTeacher(string name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "ucb1" or "ucb" => TeacherKind.Ucb1,
        "thompson" or "ts" => TeacherKind.Thompson,
        _ => throw new ArgumentException($"Unknown teacher '{name}'. Valid teachers: ucb1, thompson.", nameof(name)),
    };
}
