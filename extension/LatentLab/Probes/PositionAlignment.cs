namespace LatentLab.Probes;

/// <summary>How chain positions line up across questions of different lengths.</summary>
public enum PositionAlignment
{
    /// <summary>Column t is token t of every chain (0 = first); chains shorter than t+1 sit that column out.</summary>
    Start,
    /// <summary>Column -k is the k-th token from the end of every chain (-1 = last).</summary>
    End,
}
