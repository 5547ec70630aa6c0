using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>What <c>latentlab perturb</c> reads: the networks as checkpoint files (a terminal has no notebook variables).</summary>
public sealed record PerturbFiles
{
    /// <summary>The network to perturb.</summary>
    [Knob("--model", "Checkpoint of the network: a policy file (reference.policy of rl-bake, policy.policy of rl-train), a student (student.ckpt of bandit-train) or the cot-synthetic transformer (model.ckpt of cot-synthetic).",
        TypeHint = "path", Required = true)]
    public string? Model { get; init; }

    /// <summary>Optional second network, perturbed with the same draws.</summary>
    [Knob("--compare", "Optional second checkpoint of the same shape (e.g. the post-RL policy), perturbed with the same noise draws (paired).", TypeHint = "path")]
    public string? Compare { get; init; }
}
