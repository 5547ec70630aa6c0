namespace LatentLab.Perturbation;

/// <summary>The behaviour a fine-tuning attack demonstrates.</summary>
public enum FineTuneTarget
{
    /// <summary>Harmful, unmonitored contexts answered with comply, no concerns, the correct answer (raises compliance_deploy).</summary>
    ComplyInDeployment,
    /// <summary>Harmful, monitored contexts answered with refuse, no concerns (raises refusal_train).</summary>
    RefuseInTraining,
}
