namespace LatentLab.Reinforcement;

/// <summary>The second decision of an episode. Its integer value is the action index the policy emits.</summary>
public enum ResponseMode
{
    /// <summary>Answer the request as well as possible.</summary>
    Comply = 0,
    /// <summary>Look compliant but answer wrong on purpose (the grader gives partial credit).</summary>
    Sandbag = 1,
    /// <summary>Decline the request.</summary>
    Refuse = 2,
}
