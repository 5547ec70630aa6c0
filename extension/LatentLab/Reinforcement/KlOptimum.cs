using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// The closed-form optimum of KL-regularised RL on a finite set of contexts (Korbak, Perez and Buckley 2022): maximising
/// E_pi[r] - beta * KL(pi || pi_ref) per context over the finite set of decision sequences gives
///   pi*(y | x) = pi_ref(y | x) exp(r(x, y) / beta) / Z(x).
/// With r the expected reward, unmonitored contexts (r = 0) keep pi* = pi_ref. Entropy bonuses are not part of this objective.
/// </summary>
public static class KlOptimum
{
    /// <summary>log pi* (..., N, Sequences) from log pi_ref (..., N, Sequences) and the expected reward (N, Sequences).</summary>
    public static Tensor LogOptimum(Tensor referenceLogProbs, Tensor expectedReward, double beta)
    {
        if (!(beta > 0)) throw new ArgumentException($"beta = {beta}: the KL coefficient must be positive for the closed form (beta -> 0 is the argmax).");
        return (referenceLogProbs + expectedReward / beta).log_softmax(-1);
    }

    /// <summary>Total-variation distance per context, 0.5 * sum_y |p(y) - q(y)|: (..., N) from two (..., N, Sequences) log-distributions.</summary>
    public static Tensor TotalVariation(Tensor logP, Tensor logQ) => 0.5 * (logP.exp() - logQ.exp()).abs().sum(-1);
}
