namespace LatentLab.Torch;

/// <summary>Versions and compute resources of this process.</summary>
public sealed record RuntimeInfo(
    string LatentLab,
    string TorchSharp,
    string LibTorch,
    bool CudaAvailable,
    int CudaDeviceCount,
    int Threads,
    string NativeStatus,
    string Kernels)
{
    /// <summary>How to run on a GPU instead of the CPU backend LatentLab brings (shown by help when there is no CUDA device).</summary>
    public const string GpuSetup =
        "LatentLab brings libtorch's CPU build (package libtorch-cpu-linux-x64 2.10.0). For an NVIDIA GPU on Linux x64 use the CUDA build of the same " +
        "libtorch version: in a notebook, restart the kernel and run #r \"nuget: TorchSharp-cuda-linux, 0.107.0\" in a cell before loading LatentLab; " +
        "in a project, reference TorchSharp-cuda-linux 0.107.0 and add <PackageReference Include=\"libtorch-cpu-linux-x64\" Version=\"2.10.0\" " +
        "ExcludeAssets=\"all\" /> to drop the CPU build. LatentLab then loads the CUDA build; LATENTLAB_TORCH_BACKEND=cpu|cuda picks one when " +
        "both are on disk, LATENTLAB_LIBTORCH_DIR names a libtorch folder outright.";

    public string Devices => CudaAvailable ? $"cpu, cuda (x{CudaDeviceCount})" : "cpu (no CUDA device)";
}
