namespace LatentLab.Imitation;

/// <summary>A checkpoint that cannot be loaded; the message names the problem (missing, not a checkpoint, truncated,
/// corrupted, incompatible) and what to do.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message, Exception? inner = null) : base(message, inner) { }
}
