namespace LatentLab.Reinforcement;

/// <summary>Which layers baking may change.</summary>
public enum BakeLayers
{
    /// <summary>Every layer.</summary>
    All,
    /// <summary>Only the output layer; the hidden layers keep their random initialisation (the behaviour lives in the head).</summary>
    HeadOnly,
}
