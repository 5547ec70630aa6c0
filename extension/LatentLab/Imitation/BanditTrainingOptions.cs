using LatentLab.Bandits;
using LatentLab.Options;

namespace LatentLab.Imitation;

/// <summary>
/// Every knob of student training, declared once with its flag, help, default and range ([Knob]); <c>#!bandit-train</c>,
/// its help and the console tool are generated from it, and <see cref="Validate"/> checks every path into training.
/// </summary>
public sealed record BanditTrainingOptions : IKnobRules
{
    /// <summary>K, the number of arms (>= 2).</summary>
    [Knob("--arms", "K, the number of arms of every bandit.", Min = 2, Max = 64)]
    public int Arms { get; init; } = 5;

    /// <summary>Episode length in training: the student never sees a step past it.</summary>
    [Knob("--train-horizon", "Pulls per training episode: the student never sees a later step.", Min = 1, Max = 10_000)]
    public int TrainHorizon { get; init; } = 50;

    /// <summary>ucb1 (default) or thompson.</summary>
    [Knob("--teacher", "The algorithm the student imitates.")]
    public TeacherKind Teacher { get; init; } = TeacherKind.Ucb1;

    /// <summary>LSTM hidden size.</summary>
    [Knob("--hidden", "LSTM hidden size.", Min = 1, Max = 4096)]
    public int Hidden { get; init; } = 32;

    /// <summary>Hidden units of a two-layer MLP head (LSTM state -> score); 0 = a linear head.</summary>
    [Knob("--head-hidden", "Hidden units of the MLP head that turns the LSTM state into a score (0 = a linear head).", Min = 0, Max = 4096)]
    public int HeadHidden { get; init; } = 32;

    /// <summary>Stacked LSTM layers.</summary>
    [Knob("--layers", "Stacked LSTM layers.", Min = 1, Max = 8)]
    public int Layers { get; init; } = 1;

    /// <summary>Gradient steps; each step draws <see cref="Batch"/> fresh bandits.</summary>
    [Knob("--steps", "Gradient steps; each draws --batch fresh bandits.", Min = 1, Max = 1_000_000)]
    public int Steps { get; init; } = 2500;

    /// <summary>Episodes per gradient step.</summary>
    [Knob("--batch", "Episodes per gradient step.", Min = 1, Max = 65_536)]
    public int Batch { get; init; } = 128;

    /// <summary>Adam learning rate (cosine-decayed to 10% of it by the last step).</summary>
    [Knob("--lr", "Adam learning rate (cosine-decayed to a tenth by the last step).", Min = 0, Max = 1, ExclusiveMin = true)]
    public double LearningRate { get; init; } = 0.01;

    /// <summary>DAgger: the student acts (mixed with the teacher, see <see cref="TeacherMixSteps"/>) and the teacher labels the
    /// states the student visits. False = plain behaviour cloning (the teacher always acts).</summary>
    [Knob("--dagger", "DAgger: the student acts and the teacher labels the states it visits; --bc turns it off (plain behaviour cloning: the teacher always acts).", OffFlag = "--bc")]
    public bool Dagger { get; init; } = true;

    /// <summary>DAgger mixing schedule: the probability that the teacher (not the student) acts at a step falls linearly
    /// from 1 to <see cref="TeacherMixFinal"/> over this fraction of the steps, then stays there.</summary>
    [Knob("--mix-steps", "DAgger: fraction of the steps over which the teacher's share of actions falls from 1 to --mix-final.", Min = 0, Max = 1)]
    public double TeacherMixSteps { get; init; } = 0.3;

    /// <summary>Final probability that the teacher acts under DAgger.</summary>
    [Knob("--mix-final", "DAgger: the teacher's final share of actions.", Min = 0, Max = 1)]
    public double TeacherMixFinal { get; init; } = 0.0;

    /// <summary>Student architecture (per-arm shared LSTM by default; Joint is the textbook baseline, see docs/bandit-student.md).</summary>
    [Knob("--architecture", "per-arm: one LSTM shared by the arms, one score each; joint: one LSTM over all arms (the textbook baseline).")]
    public StudentArchitecture Architecture { get; init; } = StudentArchitecture.PerArm;

    /// <summary>Joint architecture only: also feed t/H (the textbook input that goes out of range after H).</summary>
    [Knob("--time-input", "joint only: also feed t/H, which goes out of its training range after the training horizon (the textbook baseline input).")]
    public bool TimeInput { get; init; }

    /// <summary>Bernoulli (default) or Gaussian arms; means ~ U(0,1) per episode.</summary>
    [Knob("--reward", "Reward distribution of every arm; means ~ U(0,1) per episode.")]
    public RewardKind Reward { get; init; } = RewardKind.Bernoulli;

    /// <summary>Standard deviation of Gaussian rewards.</summary>
    [Knob("--noise-std", "Standard deviation of gaussian rewards.", Min = 0, ExclusiveMin = true)]
    public double NoiseStd { get; init; } = 1.0;

    /// <summary>PerArm only: also feed every arm 1/(t+1), a clock input that stays in its training range for any t.</summary>
    [Knob("--inverse-clock", "per-arm only: feed every arm 1/(t+1), a clock that stays in its training range past the horizon (--no-inverse-clock: time only in the LSTM state).")]
    public bool InverseTimeInput { get; init; } = true;

    /// <summary>
    /// PerArm only: each gradient step draws its number of arms uniformly from [MinTrainArms, max(Arms, MaxTrainArms)] (the
    /// shared per-arm LSTM plays any K). Fewer arms in a 50-step episode give larger per-arm counts, still within
    /// TrainHorizon steps. 0 = always Arms (MaxTrainArms is then not used).
    /// </summary>
    [Knob("--min-train-arms", "per-arm only: each gradient step plays K drawn from this up to the larger of --arms and --max-train-arms (0 = always --arms).", Min = 0, Max = 64)]
    public int MinTrainArms { get; init; } = 2;

    /// <summary>
    /// PerArm only: the largest K a gradient step draws is the larger of this and <see cref="Arms"/> (K uniform in
    /// [MinTrainArms, max(Arms, MaxTrainArms)]); 0 = Arms. The default 7 lets a K=5 student also train on 6 and 7 arms:
    /// the shared per-arm LSTM plays any K, and episodes with more arms teach it the close calls among many arms (K=10's
    /// bars) while the smaller draws keep K=5's (docs/bandit-student.md, "Sample efficiency at equal compute"). A student
    /// for more arms (--arms 10) trains on K up to its own Arms, as before. Not used when MinTrainArms is 0.
    /// </summary>
    [Knob("--max-train-arms", "per-arm only: the largest K a gradient step draws is the larger of this and --arms (K from --min-train-arms up; 0 = --arms): by default a K=5 student also trains on 6 and 7 arms.", Min = 0, Max = 64)]
    public int MaxTrainArms { get; init; } = 7;

    /// <summary>The largest K a training step draws: the larger of <see cref="MaxTrainArms"/> and <see cref="Arms"/>.</summary>
    public int TrainArmsHigh => Math.Max(MaxTrainArms, Arms);

    /// <summary>True when every training step draws its K from [MinTrainArms, TrainArmsHigh] (per-arm students only).</summary>
    public bool DrawsTrainArms => Architecture == StudentArchitecture.PerArm && MinTrainArms >= 2 && MinTrainArms < TrainArmsHigh;

    /// <summary>
    /// UCB1 teacher only: weight of a distillation loss, the cross-entropy between the student's scores and
    /// softmax(<see cref="IndexScale"/> x UCB1's index (mean + sqrt(2 ln t / n))), next to the cross-entropy on UCB1's
    /// choice. The choice says only which arm is best; the index says by how much the others trail it, so close calls
    /// are learnt from every state instead of only from the ones where they decide. 0 = off. Not used with the Thompson
    /// teacher, whose labels are already soft (the share of posterior draws each arm wins).
    /// </summary>
    [Knob("--index-loss", "ucb1 teacher: weight of the distillation loss towards softmax(--index-scale x UCB1's index), which teaches by how much every arm trails the best one (0 = off: cross-entropy on UCB1's choice only).", Min = 0, Max = 100)]
    public double IndexLossWeight { get; init; } = 1.0;

    /// <summary>True when training adds the UCB1-index distillation loss (UCB1 teacher and IndexLossWeight &gt; 0).</summary>
    public bool UsesIndexLoss => IndexLossWeight > 0 && Teacher == TeacherKind.Ucb1;

    /// <summary>Inverse temperature of the distillation target (see <see cref="IndexLossWeight"/>): an arm whose index
    /// trails the best by 1/IndexScale gets e^-1 of its probability.</summary>
    [Knob("--index-scale", "Inverse temperature of that target: an arm whose UCB1 index trails the best by 1/scale gets e^-1 of its probability.", Min = 0, Max = 10_000, ExclusiveMin = true)]
    public double IndexScale { get; init; } = 30.0;

    /// <summary>
    /// Weight averaging: the trained student is an exponential moving average of the weights over the steps
    /// (avg = decay x avg + (1 - decay) x weights after every step; the raw weights keep training and act in the DAgger
    /// rollouts; the decay after step s is at most (1 + s) / (10 + s), <see cref="BanditTrainer.AverageDecayAt"/>). Smooths the
    /// step-to-step wobble of the policy: with batch 128 the last weights' agreement with UCB1 after step 50 swings by 0.05-0.15
    /// from check to check, the average's rises steadily. Default 0.99; 0 = off (the last weights).
    /// </summary>
    [Knob("--average", "Weight averaging: the student returned is the moving average of the weights (decay per step, at most (1 + step) / (10 + step) so short runs average their last steps; 0 = the last weights).", Min = 0, Max = 1, ExclusiveMax = true)]
    public double AverageDecay { get; init; } = 0.99;

    /// <summary>Posterior samples per arm used to turn a Thompson teacher into soft labels.</summary>
    [Knob("--thompson-samples", "thompson teacher: posterior samples per arm that turn its choice into soft labels.", Min = 1, Max = 4096)]
    public int ThompsonLabelSamples { get; init; } = 16;

    /// <summary>Global gradient-norm clip.</summary>
    [Knob("--grad-clip", "Global gradient-norm clip.", Min = 0, ExclusiveMin = true)]
    public double GradClip { get; init; } = 1.0;

    /// <summary>Seed for weights, bandits and mixing coins.</summary>
    [Knob("--seed", "Random seed of weights, bandits and mixing coins: the same seed, device and thread count give the same numbers.", Min = 0)]
    public long Seed { get; init; }

    /// <summary>Torch threads for the run (0 keeps the current setting). Default: every core of the machine, at most
    /// <see cref="MaxDefaultThreads"/> (<see cref="DefaultThreads"/>). The same seed gives the same numbers for a given thread
    /// count; another count sums in another order and gives other (equally good) numbers. Speeds: README, Benchmarks.</summary>
    [Knob("--threads", "Torch threads during training (default: every core, at most 8; 0: keep the process setting). The same seed repeats its numbers at the same thread count.", Min = 0, Max = 1024)]
    public int Threads { get; init; } = DefaultThreads;

    /// <summary>Cap of the default thread count: the student's ops are small, more threads only add synchronisation.</summary>
    public const int MaxDefaultThreads = 8;

    /// <summary>The default of <see cref="Threads"/>: this machine's cores (Environment.ProcessorCount), at most <see cref="MaxDefaultThreads"/>.</summary>
    public static int DefaultThreads => Math.Clamp(Environment.ProcessorCount, 1, MaxDefaultThreads);

    /// <summary>Report progress every this many steps (and at the last one).</summary>
    [Knob("--progress-every", "Report progress every this many steps (0: about 200 reports, at most every 5 steps).", Min = 0, Max = 1_000_000, Hidden = true)]
    public int ProgressEvery { get; init; }

    public BanditSpec Spec => new(Arms, Reward, null, NoiseStd);

    /// <summary>Report progress every this many steps: <see cref="ProgressEvery"/>, or about 200 reports (at most every 5 steps) when it is 0.</summary>
    public int ProgressInterval => ProgressEvery > 0 ? ProgressEvery : Math.Clamp(Steps / 200, 1, 5);

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (TimeInput && Architecture != StudentArchitecture.Joint)
            yield return "{TimeInput} needs {Architecture} joint: the per-arm student has no t/H input.";
        if (MaxTrainArms != 0 && MaxTrainArms < 2)
            yield return $"{{MaxTrainArms}} must be 0 (= {{Arms}}) or at least 2 (got {MaxTrainArms}).";
        else if (MinTrainArms != 0 && (MinTrainArms < 2 || MinTrainArms > TrainArmsHigh))
            yield return $"{{MinTrainArms}} must be 0 (off) or lie in 2..{TrainArmsHigh}, the larger of {{Arms}} and {{MaxTrainArms}} (got {MinTrainArms}).";
    }

    /// <summary>Parses a teacher name as <c>--teacher</c> does: ucb1 or thompson.</summary>
    public static TeacherKind ParseTeacher(string name) =>
        (TeacherKind)OptionSchema.For<BanditTrainingOptions>().Of(nameof(Teacher)).Parse(name ?? "")!;
}
