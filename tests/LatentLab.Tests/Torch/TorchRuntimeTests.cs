using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Tests.Torch;

public class TorchRuntimeTests
{
    [Fact]
    public void EnsureInitialized_MakesTorchUsable_AndSaysWhatItDid()
    {
        TorchRuntime.EnsureInitialized();
        using var t = torch.arange(1, 5, dtype: torch.float32, device: torch.CPU);
        Assert.Equal(10f, t.sum().item<float>());

        var stdcxx = ElfImage.Read(NativeLocator.FindSystemLibStdCxx()!);
        var expected = NativeCompatibility.Assess(ElfImage.Read(NativeLocator.FindLibTorchSharp()!), stdcxx).Fix;
        Assert.StartsWith(expected == NativeFix.WeakenMissingVersions ? "patched copy" : "loaded by TorchSharp", TorchRuntime.NativeStatus);
    }

    [Fact]
    public void ResolveDevice_AcceptsCpuAndAuto_AndRejectsUnknownValues()
    {
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice("cpu").type);
        Assert.Equal(TorchRuntime.CudaAvailable() ? DeviceType.CUDA : DeviceType.CPU, TorchRuntime.ResolveDevice("auto").type);
        var e = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Contains("auto, cpu, cuda", e.Message);
    }

    [Fact]
    public void ResolveDevice_Cuda_WithoutGpu_FailsWithAClearMessage()
    {
        if (TorchRuntime.CudaAvailable()) return; // the message is only for machines without CUDA
        foreach (var spec in new[] { "cuda", "cuda:0", " CUDA " })
        {
            var e = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice(spec));
            Assert.Contains("no CUDA device", e.Message);
            Assert.Contains("--device cpu", e.Message);
            Assert.Contains(TorchRuntime.LoadedCudaBuild ? "finds no GPU" : "CPU build (libtorch-cpu-linux-x64)", e.Message);
            Assert.Contains("libtorch-cuda-12.8-linux-x64", e.Message);   // what to reference instead
        }
        Assert.Contains("cuda:N", Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("cuda:x")).Message);
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice("auto").type);
    }

    [Fact]
    public void Seed_SameSeed_SameNumbers()
    {
        // Under the global generator's gate, so that no test running in parallel draws between the seed and the numbers.
        using var a = TorchRuntime.WithGlobalGenerator(null, () => { TorchRuntime.Seed(7); return torch.rand(5); });
        using var b = TorchRuntime.WithGlobalGenerator(null, () => { TorchRuntime.Seed(7); return torch.rand(5); });
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
    }

    [Fact]
    public void Describe_ReportsVersionsAndThreads()
    {
        var info = TorchRuntime.Describe();
        Assert.StartsWith("2.", info.LibTorch);
        Assert.StartsWith("0.", info.TorchSharp);
        Assert.True(info.Threads >= 1);
    }

    [Fact]
    public void ReproducibleKernels_PickAvx2CodePaths_WhereTheUserSetNothing()
    {
        TorchRuntime.EnsureInitialized();
        if (!OperatingSystem.IsLinux() || !System.Runtime.Intrinsics.X86.Avx2.IsSupported || Environment.GetEnvironmentVariable("LATENTLAB_REPRODUCIBLE_KERNELS") == "0")
        {
            Assert.StartsWith("chosen by the libraries", TorchRuntime.KernelSettings);
            return;
        }
        Assert.StartsWith("AVX2 code paths", TorchRuntime.KernelSettings);
        foreach (var (name, ours) in new[] { ("MKL_CBWR", "AVX2"), ("ONEDNN_MAX_CPU_ISA", "AVX2"), ("ATEN_CPU_CAPABILITY", "avx2") })
        {
            var value = Environment.GetEnvironmentVariable(name);
            Assert.False(string.IsNullOrEmpty(value), $"{name} is not set");
            Assert.Contains(value == ours ? $"{name}={ours}" : $"{name}={value} (yours)", TorchRuntime.KernelSettings);
        }
    }
}
