using LatentLab.Bandits;
using LatentLab.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Imitation.Simd;

/// <summary>
/// Whole student rollouts on the CPU in managed code, with the numbers of the tensor-driven loops they replace: a
/// training step's DAgger rollout with the UCB1 teacher (<see cref="Dagger"/>) and an evaluation rollout of a stacked
/// student (<see cref="Play"/>, what <see cref="BanditRollout.Run"/> asks the policy for first). Per pull only the torch
/// draws of the tensor loop remain (the teacher's tie-break, U(0,1) per episode and arm, then the mix, U(0,1) per episode,
/// when the student acts); everything else is per episode without a torch op: UCB1's index, its tied best arms and soft
/// label, the teacher's pick, the student's inputs and step (<see cref="StackedStudentPolicy"/>'s fused kernel), the mix,
/// the pull from the environment's reward tape and the counts. The float operations are those of the tensor ops
/// (<see cref="Ucb1Policy.Index"/>, <see cref="TeacherLabels.FromIndex"/>, <see cref="StudentNetwork.EncodeStep"/>,
/// <see cref="BanditEnvironment.Pull"/>), so both give the same bits (FusedRolloutsTests compares them) and a run's
/// numbers do not depend on which one ran. Why: the tensor loops are ~45 small ops per pull on B x K numbers, so a
/// 128-episode DAgger rollout ran at torch's per-op overhead and did not scale with threads (docs/bandit-student.md).
/// Episodes are independent, so each pull's work is split into blocks of episodes that the run's threads take in turn
/// (the student's worker count, <see cref="InBlocks"/>); the split changes no number.
/// </summary>
internal static unsafe class FusedRollouts
{
    /// <summary>Off: training and student rollouts on this thread take the tensor-driven loops (the tests compare both). Per
    /// thread, as <c>StackedMlpKernel.Enabled</c>.</summary>
    internal static bool Enabled { get => !_disabled; set => _disabled = !value; }
    [ThreadStatic] static bool _disabled;

    /// <summary>Whether the fused rollout serves these options on <paramref name="device"/>: the UCB1 teacher, on the CPU.</summary>
    public static bool Applies(BanditTrainingOptions options, Device device) =>
        Enabled && device.type == DeviceType.CPU && options.Teacher == TeacherKind.Ucb1;

    /// <summary>
    /// Rolls out <paramref name="env"/>'s B episodes for its horizon: the teacher acts with probability <paramref name="beta"/>
    /// (always at 1, when the student is not run), else <paramref name="network"/>. Returns actions (B, T) int64, rewards
    /// (B, T) float32, labels (B, T, K) and, with <paramref name="withIndex"/>, UCB1's index in every visited state (B, T, K)
    /// (+inf for unpulled arms); null when cancelled (checked before every pull, as the tensor rollout does).
    /// </summary>
    public static (Tensor Actions, Tensor Rewards, Tensor Labels, Tensor? Indices)? Dagger(StudentNetwork network, BanditEnvironment env,
        double beta, bool withIndex, Generator generator, CancellationToken ct)
    {
        if (env.Device.type != DeviceType.CPU)
            throw new ArgumentException($"The fused DAgger rollout runs on the CPU; this environment is on {env.Device.type}.", nameof(env));
        int k = env.Spec.Arms, horizon = env.Horizon;
        long batch = env.Batch;
        bool studentActs = beta < 1.0;
        float betaF = (float)beta;                                       // lt(beta) compares in the tensor's float32
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var actions = empty(batch, horizon, dtype: int64);
        var rewards = empty(batch, horizon, dtype: float32);
        var labels = empty(batch, horizon, k, dtype: float32);
        var indices = withIndex ? empty(batch, horizon, k, dtype: float32) : null;
        var tape = env.Tape.contiguous();
        float* tapeP = (float*)TensorMemory.Pointer(tape);
        long* actP = (long*)TensorMemory.Pointer(actions);
        float* rewP = (float*)TensorMemory.Pointer(rewards);
        float* labP = (float*)TensorMemory.Pointer(labels);
        float* idxP = indices is null ? null : (float*)TensorMemory.Pointer(indices);

        using var bonus = ExplorationBonus(horizon);
        float* bonusP = (float*)TensorMemory.Pointer(bonus);
        var counts = new float[batch * k];                              // ArmStatistics' counts and sums, per episode and arm
        var sums = new float[batch * k];
        var previous = new long[batch];                                 // the last pull's arm and reward (the student's input)
        var previousReward = new float[batch];
        var teacher = new long[batch];
        StackedStudentPolicy? student = null;
        network.eval();
        try
        {
            int workers = 1;
            int features = network.Architecture == StudentArchitecture.PerArm ? k * network.InputSize : network.InputSize;
            float[]? x = null;
            long[]? studentArms = null;
            if (studentActs)
            {
                student = StackedStudentPolicy.Of(network);
                student.Reset(batch, k, CPU, 0);
                workers = student.PrepareFused();
                x = GC.AllocateArray<float>(checked((int)(batch * features)), pinned: true);
                studentArms = GC.AllocateArray<long>(checked((int)batch), pinned: true);
            }
            var indexScratch = new float[workers][];
            for (int w = 0; w < workers; w++) indexScratch[w] = new float[k];
            for (int t = 0; t < horizon; t++)
            {
                if (ct.IsCancellationRequested) { DisposeAll(actions, rewards, labels, indices); return null; }
                using var tieDraws = rand(new long[] { batch, k }, dtype: float32, device: CPU, generator: generator);   // TieBreaking.RandomMember
                using var mixDraws = studentActs ? rand(new long[] { batch }, dtype: float32, device: CPU, generator: generator) : null;
                float* tieP = (float*)TensorMemory.Pointer(tieDraws);
                float* mixP = mixDraws is null ? null : (float*)TensorMemory.Pointer(mixDraws);
                int step = t;
                void Work(long e0, long e1, int w)
                {
                    var index = indexScratch[w];
                    for (long e = e0; e < e1; e++)
                    {
                        long cell = (e * horizon + step) * k;                                   // (b, t, 0) of labels and indices
                        TeacherStep(counts, sums, e * k, k, bonusP + (long)step * horizon, index, tieP + e * k, labP + cell, out teacher[e]);
                        if (idxP is not null) index.AsSpan().CopyTo(new Span<float>(idxP + cell, k));
                    }
                    if (student is not null)
                    {
                        for (long e = e0; e < e1; e++)
                            network.EncodeStepInto(x.AsSpan((int)(e * features), features), k, step, previous[e], previousReward[e]);
                        fixed (float* xp = x)
                        fixed (long* sa = studentArms)
                            student.StepFusedEpisodes(xp, sa, e0, e1, first: step == 0, w);
                    }
                    for (long e = e0; e < e1; e++)
                    {
                        long arm = student is null || mixP[e] < betaF ? teacher[e] : studentArms![e];   // where(teacherActs, teacher, student)
                        float reward = Pull(tapeP, horizon, counts, sums, e * k + arm);
                        actP[e * horizon + step] = arm;
                        rewP[e * horizon + step] = reward;
                        previous[e] = arm;
                        previousReward[e] = reward;
                    }
                }
                InBlocks(batch, workers, Work);
                student?.FinishFusedStep();
            }
        }
        finally
        {
            student?.Dispose();
        }
        return (actions.MoveToOuterDisposeScope(), rewards.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), indices?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Plays <paramref name="student"/> (reset for <paramref name="env"/>, which has just been reset) for
    /// <paramref name="horizon"/> pulls on the fused kernel, as <see cref="BanditRollout.Run"/> steps it: the same actions, the
    /// same regret (computed by <see cref="BanditEnvironment.Regret"/> from them) and, with <paramref name="trackAgreement"/>, the
    /// same agreement with UCB1's best arms. Leaves the environment's statistics and the policy's last observation as the
    /// step-by-step loop does. Cancellation is checked before every pull (OperationCanceledException, nothing kept).
    /// </summary>
    public static RolloutTrace Play(StackedStudentPolicy student, BanditEnvironment env, int horizon, bool trackAgreement,
        Action<int>? onStep, CancellationToken ct)
    {
        if (env.Device.type != DeviceType.CPU)
            throw new ArgumentException($"The fused student rollout runs on the CPU; this environment is on {env.Device.type}.", nameof(env));
        int k = env.Spec.Arms, stride = env.Horizon;
        long batch = env.Batch;
        var network = student.Template;
        int features = network.Architecture == StudentArchitecture.PerArm ? k * network.InputSize : network.InputSize;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var actions = empty(batch, horizon, dtype: int64);                                   // (B, T), as stack(taken, 1)
        var agreement = trackAgreement ? empty(horizon, batch, dtype: float32) : null;       // (T, B)
        var bonus = trackAgreement ? ExplorationBonus(horizon) : null;
        var tape = env.Tape.contiguous();
        float* tapeP = (float*)TensorMemory.Pointer(tape);
        long* actP = (long*)TensorMemory.Pointer(actions);
        float* agreeP = agreement is null ? null : (float*)TensorMemory.Pointer(agreement);
        float* bonusP = bonus is null ? null : (float*)TensorMemory.Pointer(bonus);
        var counts = new float[batch * k];
        var sums = new float[batch * k];
        var previous = new long[batch];
        var previousReward = new float[batch];
        var x = GC.AllocateArray<float>(checked((int)(batch * features)), pinned: true);
        var arms = GC.AllocateArray<long>(checked((int)batch), pinned: true);
        int workers = student.PrepareFused();
        var indexScratch = new float[workers][];
        for (int w = 0; w < workers; w++) indexScratch[w] = new float[k];
        for (int t = 0; t < horizon; t++)
        {
            ct.ThrowIfCancellationRequested();
            if (t > 0) workers = student.PrepareFused();
            int step = t;
            void Work(long e0, long e1, int w)
            {
                for (long e = e0; e < e1; e++)
                    network.EncodeStepInto(x.AsSpan((int)(e * features), features), k, step, previous[e], previousReward[e]);
                fixed (float* xp = x)
                fixed (long* ap = arms)
                    student.StepFusedEpisodes(xp, ap, e0, e1, first: step == 0, w);
                var index = indexScratch[w];
                for (long e = e0; e < e1; e++)
                {
                    long arm = arms[e];
                    if (agreeP is not null)                                              // UCB1's best arms in this state, gathered at the arm
                        agreeP[(long)step * batch + e] = Index(counts, sums, e * k, k, bonusP + (long)step * horizon, index) == index[arm] ? 1f : 0f;
                    float reward = Pull(tapeP, stride, counts, sums, e * k + arm);
                    actP[e * horizon + step] = arm;
                    previous[e] = arm;
                    previousReward[e] = reward;
                }
            }
            InBlocks(batch, workers, Work);
            student.FinishFusedStep();
            onStep?.Invoke(t + 1);
        }
        var regret = env.Regret(actions).t().contiguous();                                   // (T, B)
        env.SetPlayed(counts, sums, horizon);
        using (var last = tensor(previous))
        using (var lastReward = tensor(previousReward))
            student.Observe(last, lastReward);
        return new RolloutTrace(student.Name, regret.MoveToOuterDisposeScope(), agreement?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Runs <paramref name="body"/>(e0, e1, worker) over episodes [0, <paramref name="episodes"/>) on <paramref name="workers"/>
    /// threads: one call with every episode on this thread for one worker, else blocks of at least 64 episodes (about eight
    /// per worker) that each worker takes in turn as it finishes the last, so a core slowed by something else on the machine
    /// takes fewer blocks instead of holding up the step. A worker uses its own scratch (its index); every episode's numbers
    /// are the same whichever worker and block steps it.
    /// </summary>
    internal static void InBlocks(long episodes, int workers, Action<long, long, int> body)
    {
        if (workers <= 1) { body(0, episodes, 0); return; }
        long size = Math.Max(64, (episodes + 8L * workers - 1) / (8L * workers));
        long blocks = (episodes + size - 1) / size, next = -1;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            for (long b; (b = Interlocked.Increment(ref next)) < blocks;)
                body(b * size, Math.Min(episodes, (b + 1) * size), w);
        });
    }

    /// <summary>
    /// UCB1's exploration bonus sqrt(2 ln t / n) for every pull t and count n the rollout can meet, (T, T) float32 with
    /// [t, n - 1] = sqrt((1/n) x (float)(2 ln max(t, 1))), in the tensor ops of <see cref="Ucb1Policy.Index"/> (reciprocal, a
    /// float32 product, sqrt). Computed by torch, not in C#: libtorch's float32 sqrt goes through MKL's vector math, whose
    /// results are not always the correctly rounded ones that MathF.Sqrt gives (13.7% of 100 000 values differed in the
    /// last bit), but they are the same for the same input whatever the tensor's size, the element's position or the thread
    /// count, so a table of them gives the tensor rollout's bits.
    /// </summary>
    internal static Tensor ExplorationBonus(int horizon)
    {
        using var scope = NewDisposeScope();
        var scales = tensor(Enumerable.Range(0, horizon).Select(t => (float)(2.0 * Math.Log(Math.Max(t, 1)))).ToArray()).unsqueeze(1);   // (T, 1)
        var inverse = arange(1, horizon + 1, dtype: float32).reciprocal().unsqueeze(0);                                                   // (1, T)
        return inverse.mul(scales).sqrt_().contiguous().MoveToOuterDisposeScope();                                                         // (T, T)
    }

    /// <summary>
    /// UCB1's index for one episode's K arms (+inf where unpulled), its soft label (uniform over the tied best arms) and its
    /// pick among them by the tie-break draws <paramref name="u"/>: the float operations of <see cref="Ucb1Policy.Index"/>
    /// (the bonus for n = max(count, 1), from <paramref name="bonus"/>, this pull's row of <see cref="ExplorationBonus"/>, plus
    /// sums/n), <see cref="TieBreaking.MaximumSet"/> and <see cref="TieBreaking.RandomMember"/> (the first maximum of set x (u + 1)).
    /// </summary>
    internal static void TeacherStep(float[] counts, float[] sums, long offset, int k, float* bonus, float[] index, float* u, float* label, out long pick)
    {
        float best = Index(counts, sums, offset, k, bonus, index);
        int tied = 0;
        for (int j = 0; j < k; j++) if (index[j] == best) tied++;
        float share = 1f / tied, none = 0f / tied;
        pick = 0;
        float top = float.NegativeInfinity;
        for (int j = 0; j < k; j++)
        {
            bool member = index[j] == best;
            label[j] = member ? share : none;
            float score = member ? u[j] + 1f : 0f;                       // set x (u + 1f): 1 x (u + 1f), or 0 x (u + 1f) = 0
            if (score > top) { top = score; pick = j; }
        }
    }

    /// <summary>UCB1's index of one episode's K arms into <paramref name="index"/> (+inf where unpulled; the bonus for n = max(count, 1)
    /// from this pull's row of <see cref="ExplorationBonus"/>, plus sums/n); returns the largest.</summary>
    static float Index(float[] counts, float[] sums, long offset, int k, float* bonus, float[] index)
    {
        float best = float.NegativeInfinity;
        for (int j = 0; j < k; j++)
        {
            float count = counts[offset + j];
            float n = MathF.Max(count, 1f);
            float value = count == 0f ? float.PositiveInfinity : bonus[(int)n - 1] + sums[offset + j] / n;
            index[j] = value;
            if (value > best) best = value;
        }
        return best;
    }

    /// <summary>
    /// Pulls arm slot = episode x K + arm: its next reward on the tape (tape positions (slot x <paramref name="stride"/> + pulls so
    /// far), stride = the environment's horizon), then the count and the sum (float32 adds, as ArmStatistics' scatter_add_).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    static float Pull(float* tape, int stride, float[] counts, float[] sums, long slot)
    {
        float reward = tape[slot * stride + (long)counts[slot]];
        counts[slot] += 1f;
        sums[slot] += reward;
        return reward;
    }

    static void DisposeAll(params Tensor?[] tensors)
    {
        foreach (var t in tensors) t?.Dispose();
    }
}
