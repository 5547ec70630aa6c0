namespace LatentLab.Reinforcement;

/// <summary>Where GRPO puts its KL to the reference.</summary>
public enum GrpoKlPlacement
{
    /// <summary>
    /// In the loss, per token, with the k3 estimator pi_ref/pi - log(pi_ref/pi) - 1 (DeepSeekMath). Its on-policy gradient is
    /// that of KL(pi_ref || pi) at each visited state, so its fixed point is near, not at, pi_ref exp(r / beta).
    /// </summary>
    LossK3,
    /// <summary>In the sequence reward, r - beta * sum_t log(pi / pi_ref), before group normalisation: the exact KL-regularised objective.</summary>
    Reward,
}
