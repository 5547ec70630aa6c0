using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// The student: an LSTM fed the previous action and reward, and a linear head that scores the arms.
/// PerArm: x (B, T, K, 2) = [arm k pulled at t-1, its reward] -> the same LSTM for every arm (B*K sequences)
/// -> head -> one score per arm (B, T, K). Joint: x (B, T, K+1[+1]) = [one-hot a_{t-1}, r_{t-1}(, t/H)] -> LSTM -> (B, T, K).
/// State dict names (lstm.*, head.*) are those of the PyTorch module
/// <c>self.lstm = nn.LSTM(F, H, L, batch_first=True); self.head = nn.Linear(H, 1 or K)</c>.
/// </summary>
public sealed class StudentNetwork : nn.Module
{
    readonly LSTM lstm;
    readonly nn.Module<Tensor, Tensor> head;

    /// <summary>Per-arm warm-start channels (log count, mean, log t0), non-zero only at step 0 of a warm-started episode.</summary>
    public const int WarmStartChannels = 3;

    /// <param name="warmStartInputs">PerArm, ablation only: warm-start summary channels at step 0.</param>
    /// <param name="headHidden">0: linear head <c>head = nn.Linear(H, out)</c>; otherwise
    /// <c>head = nn.Sequential(nn.Linear(H, headHidden), nn.Tanh(), nn.Linear(headHidden, out))</c>.</param>
    /// <param name="inverseTimeInput">PerArm: also feed 1/(t+1) to every arm (in range for all t: it only approaches 0).</param>
    public StudentNetwork(StudentArchitecture architecture, int arms, int hidden, int layers, bool timeInput, int trainHorizon,
        bool warmStartInputs = false, int headHidden = 0, bool inverseTimeInput = false)
        : base(nameof(StudentNetwork))
    {
        InverseTimeInput = inverseTimeInput && architecture == StudentArchitecture.PerArm;
        Architecture = architecture;
        Arms = arms;
        TimeInput = timeInput;
        TrainHorizon = trainHorizon;
        WarmStartInputs = warmStartInputs && architecture == StudentArchitecture.PerArm;
        InputSize = architecture == StudentArchitecture.PerArm
            ? 2 + (WarmStartInputs ? WarmStartChannels : 0) + (InverseTimeInput ? 1 : 0)
            : arms + 1 + (timeInput ? 1 : 0);
        lstm = nn.LSTM(InputSize, hidden, layers, batchFirst: true);
        int outputs = architecture == StudentArchitecture.PerArm ? 1 : arms;
        head = headHidden > 0
            ? nn.Sequential(("0", nn.Linear(hidden, headHidden)), ("1", nn.Tanh()), ("2", nn.Linear(headHidden, outputs)))
            : nn.Linear(hidden, outputs);
        RegisterComponents();
    }

    /// <summary>The network for these training options.</summary>
    public static StudentNetwork Create(BanditTrainingOptions o) =>
        new(o.Architecture, o.Arms, o.Hidden, o.Layers, o.TimeInput, o.TrainHorizon, o.UsesWarmStarts, o.HeadHidden, o.InverseTimeInput);

    public bool WarmStartInputs { get; }

    /// <summary>PerArm: every arm also gets 1/(t+1), a clock that stays within its training range for any t.</summary>
    public bool InverseTimeInput { get; }

    public StudentArchitecture Architecture { get; }
    public int Arms { get; }
    public bool TimeInput { get; }
    public int TrainHorizon { get; }
    public int InputSize { get; }

    /// <summary>
    /// Inputs for a whole sequence from the actions (B, T) int64 and rewards (B, T) float32 taken: step t sees the
    /// action and reward of step t-1 (zeros at t = 0). <paramref name="warmStart"/> (B, K, 3) is fed at step 0 when the
    /// network has warm-start inputs; <paramref name="armsOrNull"/> is the bandit's K (default: the training K; PerArm
    /// students play any K). Returns (B, T, K, F) for PerArm, (B, T, F) for Joint.
    /// </summary>
    public Tensor EncodeSequence(Tensor actions, Tensor rewards, Tensor? warmStart = null, int? armsOrNull = null)
    {
        int arms = armsOrNull ?? Arms;
        if (arms != Arms && Architecture != StudentArchitecture.PerArm)
            throw new ArgumentException($"A Joint student plays only its training K={Arms} (got {arms}).", nameof(armsOrNull));
        using var scope = NewDisposeScope();
        long b = actions.shape[0], t = actions.shape[1];
        var onehot = nn.functional.one_hot(actions, arms).to(float32);                         // (B, T, K)
        var prevOnehot = nn.functional.pad(onehot, new long[] { 0, 0, 1, 0 })[.., ..(int)t];   // (B, T, K) shifted by one step
        var prevReward = nn.functional.pad(rewards, new long[] { 1, 0 })[.., ..(int)t];        // (B, T)
        Tensor x;
        if (Architecture == StudentArchitecture.PerArm)
        {
            x = stack(new[] { prevOnehot, prevOnehot * prevReward.unsqueeze(-1) }, -1);        // (B, T, K, 2)
            if (WarmStartInputs)
            {
                var w = zeros(b, t, arms, WarmStartChannels, dtype: float32, device: actions.device);   // (B, T, K, 3)
                if (warmStart is not null) w[.., 0].copy_(warmStart);
                x = cat(new[] { x, w }, -1);                                                    // (B, T, K, 5)
            }
            if (InverseTimeInput)
            {
                var clock = (arange(t, dtype: float32, device: actions.device) + 1f).reciprocal();   // (T,)
                x = cat(new[] { x, clock.view(1, t, 1, 1).expand(b, t, arms, 1) }, -1);
            }
        }
        else
        {
            var parts = new List<Tensor> { prevOnehot, prevReward.unsqueeze(-1) };
            if (TimeInput)
                parts.Add((arange(t, dtype: float32, device: actions.device) / TrainHorizon).expand(b, t).unsqueeze(-1));
            x = cat(parts, -1);                                                                 // (B, T, K+1[+1])
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inputs for one step from the previous action (B,) int64 (ignored at step 0) and reward (B,) float32, for a bandit
    /// with <paramref name="arms"/> arms (a PerArm student shares one LSTM across arms and so plays any K; the Joint
    /// student only its training K). <paramref name="warmStart"/> (B, K, 3) is used at step 0 when the network has
    /// warm-start inputs. Returns (B, 1, K, F) for PerArm, (B, 1, F) for Joint.
    /// </summary>
    public Tensor EncodeStep(Tensor? previousActions, Tensor? previousRewards, Tensor? warmStart, long batch, int step, Device device, int arms)
    {
        if (arms != Arms && Architecture != StudentArchitecture.PerArm)
            throw new ArgumentException($"A Joint student plays only its training K={Arms} (got {arms}).", nameof(arms));
        using var scope = NewDisposeScope();
        Tensor onehot, reward;
        if (previousActions is null || previousRewards is null || step == 0)
        {
            onehot = zeros(batch, arms, dtype: float32, device: device);
            reward = zeros(batch, dtype: float32, device: device);
        }
        else
        {
            onehot = nn.functional.one_hot(previousActions, arms).to(float32);                 // (B, K)
            reward = previousRewards;
        }
        Tensor x;
        if (Architecture == StudentArchitecture.PerArm)
        {
            x = stack(new[] { onehot, onehot * reward.unsqueeze(-1) }, -1);                     // (B, K, 2)
            if (WarmStartInputs)
                x = cat(new[] { x, step == 0 && warmStart is not null ? warmStart : zeros(batch, arms, WarmStartChannels, dtype: float32, device: device) }, -1);
            if (InverseTimeInput)
                x = cat(new[] { x, full(batch, arms, 1, 1f / (step + 1), dtype: float32, device: device) }, -1);
        }
        else
        {
            var parts = new List<Tensor> { onehot, reward.unsqueeze(-1) };
            if (TimeInput) parts.Add(full(batch, 1, (float)step / TrainHorizon, dtype: float32, device: device));
            x = cat(parts, -1);                                                                  // (B, F)
        }
        return x.unsqueeze(1).MoveToOuterDisposeScope();
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
