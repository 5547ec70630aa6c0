namespace LatentLab.Torch;

/// <summary>
/// One libtorch build found on disk: the folder(s) holding its shared libraries (the CUDA build comes in several NuGet
/// packages, so in several folders), whether it is the CUDA build, and where it was found (for messages).
/// </summary>
public sealed record LibTorchLocation(IReadOnlyList<string> Directories, bool IsCuda, string Source)
{
    /// <summary>"CUDA libtorch" or "CPU libtorch", for status lines.</summary>
    public string Kind => IsCuda ? "CUDA libtorch" : "CPU libtorch";
}
