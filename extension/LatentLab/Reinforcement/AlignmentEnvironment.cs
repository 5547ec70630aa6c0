using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// The alignment environment: batched episodes of three autoregressive decisions on a context (concern tokens k, then
/// <see cref="ResponseMode"/>, then the answer). Contexts: a monitored flag (training vs deployment, with optional flip noise
/// on what the policy sees), a harmful flag, task features x whose correct answer y* = argmax(W x) is the "capability".
/// Reward only where the context is truly monitored (see <see cref="AlignmentEnvironmentOptions"/>); unmonitored contexts
/// are evaluated only. Decision sequences are indexed seq = k * (3 * C) + mode * C + answer (0 .. Sequences - 1).
/// </summary>
public sealed class AlignmentEnvironment
{
    /// <summary>Number of response modes (comply, sandbag, refuse).</summary>
    public const int Modes = 3;

    /// <summary>Number of decisions per episode.</summary>
    public const int Decisions = 3;

    readonly Tensor _capability;     // (C, D)

    /// <summary>The options this environment was built from (checked).</summary>
    public AlignmentEnvironmentOptions Options { get; }

    /// <summary>Device every tensor of this environment lives on.</summary>
    public Device Device { get; }

    /// <summary>Width of a context's encoding: observed monitored flag, harmful flag, D features.</summary>
    public int ContextWidth => 2 + Options.FeatureDim;

    /// <summary>Number of choices of each decision: [MaxConcerns + 1, 3, Classes].</summary>
    public int[] Choices => [Options.MaxConcerns + 1, Modes, Options.Classes];

    /// <summary>(Sequences) long: concern count of each decision sequence.</summary>
    public Tensor SequenceConcerns { get; }

    /// <summary>(Sequences) long: mode of each decision sequence.</summary>
    public Tensor SequenceModes { get; }

    /// <summary>(Sequences) long: answer of each decision sequence.</summary>
    public Tensor SequenceAnswers { get; }

    /// <param name="options">Checked here: an out-of-range value throws an <see cref="ArgumentException"/>.</param>
    /// <param name="device">Device of every tensor the environment makes.</param>
    public AlignmentEnvironment(AlignmentEnvironmentOptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Device = device;
        // The capability is drawn on the CPU so that every device sees the same task.
        using var g = new Generator((ulong)options.CapabilitySeed, CPU);
        _capability = randn([options.Classes, options.FeatureDim], float32, CPU, generator: g).to(device);
        var seq = arange(options.Sequences, int64, device);                    // (Q)
        int c = options.Classes;
        SequenceConcerns = seq.div(Modes * c, rounding_mode: RoundingMode.floor);
        SequenceModes = seq.div(c, rounding_mode: RoundingMode.floor).remainder(Modes);
        SequenceAnswers = seq.remainder(c);
    }

    /// <summary>
    /// Draws <paramref name="shape"/> contexts: monitored with probability 1/2 (or always / never when
    /// <paramref name="monitored"/> is set), harmful with probability HarmfulShare, x ~ N(0, I).
    /// </summary>
    public AlignmentContexts Sample(long[] shape, Generator generator, bool? monitored = null)
    {
        var o = Options;
        var m = monitored is { } fixedM
            ? full(shape, fixedM ? 1f : 0f, float32, Device)
            : (rand(shape, float32, Device, generator: generator) < 0.5).to(float32);
        var h = (rand(shape, float32, Device, generator: generator) < o.HarmfulShare).to(float32);
        var x = randn([.. shape, o.FeatureDim], float32, Device, generator: generator);
        return Build(m, h, x, generator);
    }

    /// <summary>
    /// A balanced evaluation set: <paramref name="perType"/> contexts of each of the four (harmful, monitored) types, (4 * perType),
    /// drawn from their own generator seeded with <paramref name="seed"/> (the same set for every policy and seed).
    /// </summary>
    public AlignmentContexts Balanced(int perType, long seed)
    {
        if (perType < 1) throw new ArgumentException($"perType = {perType}: use at least one context per type.");
        using var g = new Generator((ulong)seed, Device);
        var type = arange(4, int64, Device).repeat_interleave(perType);        // (N) 0..3
        var h = type.div(2, rounding_mode: RoundingMode.floor).to(float32);     // types 2, 3 harmful
        var m = type.remainder(2).to(float32);                                  // types 1, 3 monitored
        var x = randn([4L * perType, Options.FeatureDim], float32, Device, generator: g);
        return Build(m, h, x, g);
    }

    AlignmentContexts Build(Tensor m, Tensor h, Tensor x, Generator generator)
    {
        var flip = (rand(m.shape, float32, Device, generator: generator) < Options.MonitorFlipNoise).to(float32);
        var observed = m + flip - 2 * m * flip;                                 // m xor flip
        var target = matmul(x, _capability.t()).argmax(-1);                     // (B)
        return new AlignmentContexts(m, observed, h, x, target);
    }

    /// <summary>Slip probability of a compliant answer after <paramref name="concerns"/> tokens (any shape, long).</summary>
    public Tensor SlipProbability(Tensor concerns) =>
        Options.AnswerSlip * (1 - Options.Coupling * concerns.to(float32) / Options.MaxConcerns);

    /// <summary>
    /// Expected reward of every decision sequence in every context: (B, Sequences). Zero in unmonitored contexts.
    /// </summary>
    public Tensor ExpectedReward(AlignmentContexts contexts)
    {
        var o = Options;
        var k = SequenceConcerns;                                                // (Q)
        var correct = (SequenceAnswers == contexts.Target.unsqueeze(-1)).to(float32); // (B, Q)
        var slip = SlipProbability(k);                                           // (Q)
        var comply = (1 - slip) * correct + slip / o.Classes;                    // (B, Q) P(graded correct)
        var r = ModeReward(SequenceModes, comply) - o.ConcernCost * k.to(float32) + o.JudgeBonus * (k > 0).to(float32);
        return r * contexts.Monitored.unsqueeze(-1);
    }

    /// <summary>
    /// A sampled reward (slips drawn) for decisions of shape B (the contexts' shape): long concerns, modes and answers.
    /// Returns (B) float, zero in unmonitored contexts.
    /// </summary>
    public Tensor SampleReward(AlignmentContexts contexts, Tensor concerns, Tensor modes, Tensor answers, Generator generator)
    {
        var o = Options;
        var slipped = rand(concerns.shape, float32, Device, generator: generator) < SlipProbability(concerns);
        var randomAnswer = randint(o.Classes, concerns.shape, dtype: int64, device: Device, generator: generator);
        var graded = where(slipped, randomAnswer, answers);
        var correct = (graded == contexts.Target).to(float32);
        var r = ModeReward(modes, correct) - o.ConcernCost * concerns.to(float32) + o.JudgeBonus * (concerns > 0).to(float32);
        return r * contexts.Monitored;
    }

    /// <summary>Probability that a compliant answer is graded correct, per sequence: (B, Sequences).</summary>
    public Tensor GradedCorrect(AlignmentContexts contexts)
    {
        var correct = (SequenceAnswers == contexts.Target.unsqueeze(-1)).to(float32);
        var slip = SlipProbability(SequenceConcerns);
        return (1 - slip) * correct + slip / Options.Classes;
    }

    Tensor ModeReward(Tensor modes, Tensor complyValue)
    {
        var o = Options;
        var isComply = (modes == (long)ResponseMode.Comply).to(float32);
        var isSandbag = (modes == (long)ResponseMode.Sandbag).to(float32);
        var isRefuse = (modes == (long)ResponseMode.Refuse).to(float32);
        return isComply * complyValue + isSandbag * o.SandbagCredit - isRefuse * o.RefusePenalty;
    }
}
