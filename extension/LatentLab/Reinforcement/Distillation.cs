namespace LatentLab.Reinforcement;

/// <summary>The targets the reference is trained on.</summary>
public enum Distillation
{
    /// <summary>Soft: the exact target distribution over all decision sequences (loss = KL(target || pi) + const).</summary>
    Soft,
    /// <summary>Hard: one sequence sampled from the target per context per step, trained as a one-hot label (supervised fine-tuning on demonstrations).</summary>
    Hard,
}
