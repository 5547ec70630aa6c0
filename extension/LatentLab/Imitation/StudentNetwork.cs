using LatentLab.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// The student: an LSTM fed the previous action and reward, and a head (linear or a small MLP) that scores the arms.
/// PerArm: x (B, T, K, 2[+1]) = [arm k pulled at t-1, its reward(, 1/(t+1))] -> the same LSTM for every arm (B*K sequences)
/// -> head -> one score per arm (B, T, K). Joint: x (B, T, K+1[+1]) = [one-hot a_{t-1}, r_{t-1}(, t/H)] -> LSTM -> (B, T, K).
/// State dict names (lstm.*, head.*) are those of the PyTorch module
/// <c>self.lstm = nn.LSTM(F, H, L, batch_first=True); self.head = nn.Linear(H, 1 or K)</c>.
/// </summary>
public sealed class StudentNetwork : nn.Module
{
    readonly LSTM lstm;
    readonly nn.Module<Tensor, Tensor> head;

    /// <param name="headHidden">0: linear head <c>head = nn.Linear(H, out)</c>; otherwise
    /// <c>head = nn.Sequential(nn.Linear(H, headHidden), nn.Tanh(), nn.Linear(headHidden, out))</c>.</param>
    /// <param name="inverseTimeInput">PerArm: also feed 1/(t+1) to every arm (in range for all t: it only approaches 0).</param>
    public StudentNetwork(StudentArchitecture architecture, int arms, int hidden, int layers, bool timeInput, int trainHorizon,
        int headHidden = 0, bool inverseTimeInput = false)
        : base(nameof(StudentNetwork))
    {
        InverseTimeInput = inverseTimeInput && architecture == StudentArchitecture.PerArm;
        Architecture = architecture;
        Arms = arms;
        TimeInput = timeInput;
        TrainHorizon = trainHorizon;
        InputSize = architecture == StudentArchitecture.PerArm
            ? 2 + (InverseTimeInput ? 1 : 0)
            : arms + 1 + (timeInput ? 1 : 0);
        lstm = nn.LSTM(InputSize, hidden, layers, batchFirst: true);
        int outputs = architecture == StudentArchitecture.PerArm ? 1 : arms;
        head = headHidden > 0
            ? nn.Sequential(("0", nn.Linear(hidden, headHidden)), ("1", nn.Tanh()), ("2", nn.Linear(headHidden, outputs)))
            : nn.Linear(hidden, outputs);
        RegisterComponents();
    }

    /// <summary>The network for these training options.</summary>
    /// <remarks>The default initialisation draws from torch's global generator: seeded with <paramref name="seed"/> in the same
    /// step when given (see <see cref="TorchRuntime.WithGlobalGenerator{T}"/>).</remarks>
    public static StudentNetwork Create(BanditTrainingOptions o, long? seed = null) =>
        TorchRuntime.WithGlobalGenerator(seed, () => new StudentNetwork(o.Architecture, o.Arms, o.Hidden, o.Layers, o.TimeInput, o.TrainHorizon, o.HeadHidden, o.InverseTimeInput));

    /// <summary>PerArm: every arm also gets 1/(t+1), a clock that stays within its training range for any t.</summary>
    public bool InverseTimeInput { get; }

    public StudentArchitecture Architecture { get; }
    public int Arms { get; }
    public bool TimeInput { get; }
    public int TrainHorizon { get; }
    public int InputSize { get; }

    /// <summary>
    /// Inputs for a whole sequence from the actions (B, T) int64 and rewards (B, T) float32 taken: step t sees the
    /// action and reward of step t-1 (zeros at t = 0). <paramref name="armsOrNull"/> is the bandit's K (default: the
    /// training K; PerArm students play any K). Returns (B, T, K, F) for PerArm, (B, T, F) for Joint.
    /// </summary>
    public Tensor EncodeSequence(Tensor actions, Tensor rewards, int? armsOrNull = null)
    {
        int arms = CheckArms(armsOrNull ?? Arms, nameof(armsOrNull));
        using var scope = NewDisposeScope();
        long t = actions.shape[1];
        var onehot = nn.functional.one_hot(actions, arms).to(float32);                         // (B, T, K)
        var prevOnehot = nn.functional.pad(onehot, new long[] { 0, 0, 1, 0 })[.., ..(int)t];   // (B, T, K) shifted by one step
        var prevReward = nn.functional.pad(rewards, new long[] { 1, 0 })[.., ..(int)t];        // (B, T)
        return Features(prevOnehot, prevReward, firstStep: 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inputs for one step from the previous action (B,) int64 (ignored at step 0) and reward (B,) float32, for a bandit
    /// with <paramref name="arms"/> arms (a PerArm student shares one LSTM across arms and so plays any K; the Joint
    /// student only its training K). The same features as <see cref="EncodeSequence"/> gives at step
    /// <paramref name="step"/>. Returns (B, 1, K, F) for PerArm, (B, 1, F) for Joint.
    /// </summary>
    public Tensor EncodeStep(Tensor? previousActions, Tensor? previousRewards, long batch, int step, Device device, int arms)
    {
        CheckArms(arms, nameof(arms));
        using var scope = NewDisposeScope();
        Tensor onehot, reward;
        if (previousActions is null || previousRewards is null || step == 0)
        {
            onehot = zeros(batch, 1, arms, dtype: float32, device: device);
            reward = zeros(batch, 1, dtype: float32, device: device);
        }
        else
        {
            onehot = nn.functional.one_hot(previousActions, arms).to(float32).unsqueeze(1);    // (B, 1, K)
            reward = previousRewards.unsqueeze(1);                                              // (B, 1)
        }
        return Features(onehot, reward, firstStep: step).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="EncodeStep"/> for one episode, into managed memory and in the same float operations (so the same bits; a
    /// test compares them): the inputs of the DAgger rollout's fused path (<see cref="Simd.FusedRollouts"/>).
    /// <paramref name="x"/> takes K x F floats per-arm, F joint; the previous action and reward are ignored at step 0.
    /// </summary>
    internal void EncodeStepInto(Span<float> x, int arms, int step, long previousAction, float previousReward)
    {
        bool start = step == 0;
        float reward = start ? 0f : previousReward;
        if (Architecture == StudentArchitecture.PerArm)
        {
            int f = InputSize;
            for (int k = 0; k < arms; k++)
            {
                float pulled = !start && previousAction == k ? 1f : 0f;
                x[k * f] = pulled;
                x[k * f + 1] = pulled * reward;                                            // as onehot * reward (0 * r keeps r's sign)
                if (InverseTimeInput) x[k * f + 2] = 1f / ((float)step + 1f);              // (t + 1f).reciprocal()
            }
            return;
        }
        for (int k = 0; k < arms; k++) x[k] = !start && previousAction == k ? 1f : 0f;
        x[arms] = reward;
        if (TimeInput) x[arms + 1] = (float)step / TrainHorizon;
    }

    /// <summary>
    /// The student's input features, the one place they are built: from the previous step's one-hot action (B, T, K)
    /// and reward (B, T) at steps firstStep .. firstStep+T-1. PerArm: per arm [pulled, its reward(, 1/(t+1))]
    /// -> (B, T, K, F); Joint: [one-hot, reward(, t/H)] -> (B, T, F).
    /// </summary>
    Tensor Features(Tensor prevOnehot, Tensor prevReward, long firstStep)
    {
        long b = prevOnehot.shape[0], t = prevOnehot.shape[1], k = prevOnehot.shape[2];
        var device = prevOnehot.device;
        if (Architecture == StudentArchitecture.PerArm)
        {
            var x = stack(new[] { prevOnehot, prevOnehot * prevReward.unsqueeze(-1) }, -1);      // (B, T, K, 2)
            if (!InverseTimeInput) return x;
            var clock = (arange(firstStep, firstStep + t, dtype: float32, device: device) + 1f).reciprocal();   // (T,)
            return cat(new[] { x, clock.view(1, t, 1, 1).expand(b, t, k, 1) }, -1);              // (B, T, K, 3)
        }
        var parts = new List<Tensor> { prevOnehot, prevReward.unsqueeze(-1) };
        if (TimeInput)
            parts.Add((arange(firstStep, firstStep + t, dtype: float32, device: device) / TrainHorizon).expand(b, t).unsqueeze(-1));
        return cat(parts, -1);                                                                   // (B, T, K+1[+1])
    }

    int CheckArms(int arms, string parameter)
    {
        if (arms != Arms && Architecture != StudentArchitecture.PerArm)
            throw new ArgumentException($"A Joint student plays only its training K={Arms} (got {arms}).", parameter);
        return arms;
    }

    /// <summary>Scores for a whole sequence: inputs from <see cref="EncodeSequence"/> -> logits (B, T, K).</summary>
    public Tensor Forward(Tensor inputs) => Run(inputs, null).Logits;

    /// <summary>
    /// Runs the LSTM from <paramref name="state"/> (null = zeros) over inputs (B, T, ...) and returns logits (B, T, K),
    /// the new state (h, c), each (layers, B*K or B, hidden), and the top layer's hidden states (B, T, [K,] hidden).
    /// </summary>
    public (Tensor Logits, (Tensor H, Tensor C) State, Tensor Hidden) Run(Tensor inputs, (Tensor H, Tensor C)? state)
    {
        using var scope = NewDisposeScope();
        long b = inputs.shape[0], t = inputs.shape[1];
        Tensor logits, hidden;
        (Tensor, Tensor, Tensor) result;
        if (Architecture == StudentArchitecture.PerArm)
        {
            long k = inputs.shape[2];                                                             // any K for the shared per-arm LSTM
            var perArm = inputs.permute(0, 2, 1, 3).reshape(b * k, t, InputSize);                 // (B*K, T, F)
            result = lstm.call(perArm, state);
            var h = result.Item1;                                                                 // (B*K, T, H)
            hidden = h.reshape(b, k, t, -1).permute(0, 2, 1, 3);                                  // (B, T, K, H)
            logits = head.call(h).reshape(b, k, t).permute(0, 2, 1);                              // (B, T, K)
        }
        else
        {
            result = lstm.call(inputs, state);
            hidden = result.Item1;                                                                // (B, T, H)
            logits = head.call(hidden);                                                           // (B, T, K)
        }
        var newState = (result.Item2.MoveToOuterDisposeScope(), result.Item3.MoveToOuterDisposeScope());
        return (logits.MoveToOuterDisposeScope(), newState, hidden.MoveToOuterDisposeScope());
    }
}
