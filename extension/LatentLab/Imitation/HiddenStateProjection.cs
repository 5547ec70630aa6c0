using LatentLab.Bandits;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// Where the student keeps what it has learned: its LSTM hidden states over an episode, projected onto their first two
/// principal components. Per-arm students give one point per (episode, step, arm): arm k's hidden state after the
/// student has seen <see cref="Pulls"/> pulls of the episode; joint students one point per (episode, step), with arm = -1.
/// Points are tagged with the arm's true mean, its pull count and its empirical mean, so a chart can colour them.
/// </summary>
/// <param name="X">First principal component of each point.</param>
/// <param name="Y">Second principal component.</param>
/// <param name="Pulls">Pulls of the episode seen when this state chose its next arm (0 .. horizon-1).</param>
/// <param name="Arm">Arm index (per-arm students), -1 for joint students.</param>
/// <param name="ArmMean">True mean of that arm (per-arm), or of the best arm (joint).</param>
/// <param name="ArmPulls">How often that arm was pulled so far (per-arm), or the pulls of the most pulled arm (joint).</param>
/// <param name="ExplainedVariance">Share of the hidden states' variance on PC1 and PC2.</param>
/// <param name="TrainHorizon">The student's training horizon (states at Pulls >= it were never seen in training).</param>
public sealed record HiddenStateProjection(
    float[] X, float[] Y, int[] Pulls, int[] Arm, float[] ArmMean, int[] ArmPulls,
    double[] ExplainedVariance, int TrainHorizon, int Episodes, int Horizon)
{
    /// <summary>
    /// Plays the student greedily on <paramref name="episodes"/> fresh bandits for <paramref name="horizon"/> pulls
    /// (seeded apart from training and evaluation), re-runs its LSTM over the recorded inputs to collect the hidden
    /// states (identical to those it had while acting), and projects them with PCA fitted on all of them.
    /// </summary>
    public static HiddenStateProjection Compute(TrainedStudent student, int episodes = 16, int horizon = 100, long seed = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(student);
        if (episodes < 1 || episodes > 4096) throw new ArgumentException($"episodes must lie in 1..4096 (got {episodes}).", nameof(episodes));
        if (horizon < 2 || horizon > 10_000) throw new ArgumentException($"horizon must lie in 2..10000 (got {horizon}).", nameof(horizon));
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = student.Device;
        var spec = new BanditSpec(student.Arms, student.Options.Reward, null, student.Options.NoiseStd);
        using var env = BanditEnvironment.Create(spec, episodes, horizon, seed + 2_000_029, device);
        using var policy = student.CreatePolicy();
        policy.Reset(episodes, student.Arms, device, seed);
        var actions = new List<Tensor>(horizon);
        var rewards = new List<Tensor>(horizon);
        for (int t = 0; t < horizon; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var a = policy.Act(t);                                                             // (B,)
            var r = env.Pull(a);                                                               // (B,)
            policy.Observe(a, r);
            actions.Add(a);
            rewards.Add(r);
        }
        var actionSeq = stack(actions, 1);                                                     // (B, T)
        var rewardSeq = stack(rewards, 1);                                                     // (B, T)
        var network = student.Network;
        var hidden = network.Run(network.EncodeSequence(actionSeq, rewardSeq), null).Hidden;   // (B, T, K, H) per-arm, (B, T, H) joint

        // What each state has seen: counts and reward sums before step t (exclusive prefix sums).
        var onehot = nn.functional.one_hot(actionSeq, student.Arms).to(float32);               // (B, T, K)
        var counts = onehot.cumsum(1) - onehot;                                                // (B, T, K)
        var sums = (onehot * rewardSeq.unsqueeze(-1)).cumsum(1) - onehot * rewardSeq.unsqueeze(-1);
        var means = env.Means.to(float32).unsqueeze(1).expand(episodes, horizon, student.Arms); // (B, T, K)
        var pulls = arange(horizon, dtype: int32, device: device).view(1, horizon);

        Tensor states, pullTag, armTag, meanTag, countTag;
        bool perArm = hidden.dim() == 4;
        if (perArm)
        {
            long h = hidden.shape[3];
            states = hidden.reshape(-1, h);                                                    // (B*T*K, H)
            pullTag = pulls.unsqueeze(-1).expand(episodes, horizon, student.Arms).reshape(-1);
            armTag = arange(student.Arms, dtype: int32, device: device).view(1, 1, -1).expand(episodes, horizon, student.Arms).reshape(-1);
            meanTag = means.reshape(-1);
            countTag = counts.reshape(-1);
        }
        else
        {
            states = hidden.reshape(-1, hidden.shape[2]);                                      // (B*T, H)
            pullTag = pulls.expand(episodes, horizon).reshape(-1);
            armTag = full(episodes * horizon, -1, dtype: int32, device: device);
            meanTag = means.max(-1).values.reshape(-1);
            countTag = counts.max(-1).values.reshape(-1);
        }

        var centred = states.to(float64) - states.to(float64).mean(new long[] { 0 }, keepdim: true);    // (N, H)
        var covariance = centred.T.matmul(centred) / Math.Max(1, centred.shape[0] - 1);                   // (H, H)
        var (eigenvalues, eigenvectors) = linalg.eigh(covariance);                                        // ascending
        long hs = eigenvalues.shape[0];
        var top = eigenvectors[.., TensorIndex.Slice(hs - 2 >= 0 ? hs - 2 : 0, hs)].flip(1);             // (H, 2)
        var projected = centred.matmul(top).to(float32).cpu();                                            // (N, 2)
        var total = eigenvalues.sum().item<double>();
        var explained = eigenvalues.flip(0)[..2].cpu().data<double>().Select(v => total > 0 ? v / total : 0).ToArray();

        return new HiddenStateProjection(
            projected[.., 0].contiguous().data<float>().ToArray(),
            projected[.., 1].contiguous().data<float>().ToArray(),
            pullTag.cpu().data<int>().ToArray(),
            armTag.cpu().data<int>().ToArray(),
            meanTag.cpu().contiguous().data<float>().ToArray(),
            countTag.to(int32).cpu().contiguous().data<int>().ToArray(),
            explained, student.TrainHorizon, episodes, horizon);
    }
}
