namespace LatentLab.Torch;

/// <summary>TorchSharp's native libraries could not be made to load; the message says why and what to do.</summary>
public sealed class TorchSetupException : Exception
{
    public TorchSetupException(string message, Exception? inner = null) : base(message, inner) { }
}
