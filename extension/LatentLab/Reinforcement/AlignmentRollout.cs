using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// One batch of sampled episodes, (S, B) per seed, with what PPO and GRPO need to update: the network inputs of each
/// decision, the actions, their log-probabilities under the policy and the reference, and the sampled reward.
/// </summary>
/// <param name="Inputs">(S, B, 3, in) network input at each decision (<see cref="AlignmentPolicy.Input"/>: for a recurrent policy, what is new at it).</param>
/// <param name="Actions">(S, B, 3) long: concerns, mode, answer.</param>
/// <param name="LogProbs">(S, B, 3) log pi(action) when sampled.</param>
/// <param name="ReferenceLogProbs">(S, B, 3) log pi_ref(action).</param>
/// <param name="Reward">(S, B) sampled reward of the episode (zero where unmonitored).</param>
public sealed record AlignmentRollout(Tensor Inputs, Tensor Actions, Tensor LogProbs, Tensor ReferenceLogProbs, Tensor Reward)
{
    /// <summary>
    /// Samples one episode per context (contexts (S, B)) from <paramref name="policy"/>, without gradients. The policy's
    /// log-probabilities are those it sampled from (the same forward pass per decision, so no second pass over the episodes);
    /// the reference's come from one pass over all three decisions.
    /// </summary>
    /// <param name="phases">Optional: the CPU time of its parts ("rollout policy", "rollout reference", "rollout reward").</param>
    public static AlignmentRollout Sample(AlignmentPolicy policy, IPolicyNetwork reference, AlignmentContexts contexts, Generator generator,
        RlPhaseTimes? phases = null)
    {
        using var noGrad = no_grad();
        var policyTime = RlPhaseTimes.Time(phases, "rollout policy");
        var env = policy.Environment;
        int k1 = env.Options.MaxConcerns + 1;
        var e = contexts.Encode();                                                   // (S, B, W)
        long s = e.shape[0], b = e.shape[1];
        // (S, B, A) log-probabilities -> the (S, B) long action drawn from them and its (S, B) log-probability.
        (Tensor Action, Tensor LogProb) Draw(Tensor logp)
        {
            var action = multinomial(logp.exp().view(s * b, -1), 1, replacement: true, generator: generator).view(s, b);
            return (action, logp.gather(-1, action.unsqueeze(-1)).squeeze(-1));
        }
        Tensor? state = null;                                                        // a recurrent policy's state between decisions
        var in0 = policy.Input(e, null, null, 0);
        var (k, lp0) = Draw(policy.LogProbs(in0, 0, ref state));
        var kHot = nn.functional.one_hot(k, k1).to(float32);
        var in1 = policy.Input(e, kHot, null, 1);
        var (mode, lp1) = Draw(policy.LogProbs(in1, 1, ref state));
        var in2 = policy.Input(e, kHot, nn.functional.one_hot(mode, AlignmentEnvironment.Modes).to(float32), 2);
        var (answer, lp2) = Draw(policy.LogProbs(in2, 2, ref state));
        var inputs = stack([in0, in1, in2], 2);                                      // (S, B, 3, in)
        var actions = stack([k, mode, answer], 2);                                   // (S, B, 3)
        var logp = stack([lp0, lp1, lp2], 2);                                        // (S, B, 3), as StepLogProbs would recompute them
        policyTime.Dispose();
        Tensor refLogp, reward;
        using (RlPhaseTimes.Time(phases, "rollout reference")) refLogp = StepLogProbs(policy, reference, inputs, actions);
        using (RlPhaseTimes.Time(phases, "rollout reward")) reward = env.SampleReward(contexts, k, mode, answer, generator);
        return new AlignmentRollout(inputs, actions, logp, refLogp, reward);
    }

    /// <summary>log pi(action) at each decision under <paramref name="network"/>: inputs (S, B, 3, in), actions (S, B, 3) -&gt; (S, B, 3).</summary>
    public static Tensor StepLogProbs(AlignmentPolicy policy, IPolicyNetwork network, Tensor inputs, Tensor actions) =>
        policy.LogProbsAllDecisions(network, inputs).gather(-1, actions.unsqueeze(-1)).squeeze(-1);
}
