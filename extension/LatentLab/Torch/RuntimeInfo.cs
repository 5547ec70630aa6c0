namespace LatentLab.Torch;

/// <summary>Versions and compute resources of this process.</summary>
public sealed record RuntimeInfo(
    string LatentLab,
    string TorchSharp,
    string LibTorch,
    bool CudaAvailable,
    int CudaDeviceCount,
    int Threads,
    string NativeStatus)
{
    public string Devices => CudaAvailable ? $"cpu, cuda (x{CudaDeviceCount})" : "cpu (no CUDA device)";
}
