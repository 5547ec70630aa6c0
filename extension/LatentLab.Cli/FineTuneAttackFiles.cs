using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>What <c>latentlab finetune-attack</c> reads: the networks as checkpoint files (a terminal has no notebook variables).</summary>
public sealed record FineTuneAttackFiles
{
    /// <summary>The network to attack.</summary>
    [Knob("--model", "Checkpoint of the network: a policy file (reference.policy of rl-bake, policy.policy of rl-train) a student (student.ckpt of bandit-train) or the cot-synthetic transformer (model.ckpt of cot-synthetic); its kind decides the targets and the control.",
        TypeHint = "path", Required = true)]
    public string? Model { get; init; }

    /// <summary>Optional second network, attacked with the same demonstrations.</summary>
    [Knob("--compare", "Optional second checkpoint of the same kind and shape (e.g. the post-RL policy), attacked with the same demonstration sets (paired).", TypeHint = "path")]
    public string? Compare { get; init; }
}
