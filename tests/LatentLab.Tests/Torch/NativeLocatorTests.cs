using LatentLab.Torch;

namespace LatentLab.Tests.Torch;

/// <summary>
/// Which libtorch build the native fix links to, on fake folder layouts (empty files named like the real libraries):
/// no CUDA build is served here, so the CUDA layouts are modelled on TorchSharp's packages, not run.
/// </summary>
public sealed class NativeLocatorTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "latentlab-locator-" + Guid.NewGuid().ToString("N"));
    string Packages => Path.Combine(_root, "packages");
    string TorchSharpDir => Path.Combine(Packages, "torchsharp", "0.107.0", "lib", "net8.0");
    string App => Path.Combine(_root, "app");

    public NativeLocatorTests()
    {
        Directory.CreateDirectory(TorchSharpDir);
        Directory.CreateDirectory(App);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Native(string package, string version = "2.10.0") => Path.Combine(Packages, package, version, "runtimes", "linux-x64", "native");

    static string Touch(string folder, params string[] files)
    {
        Directory.CreateDirectory(folder);
        foreach (var f in files) File.WriteAllBytes(Path.Combine(folder, f), []);
        return folder;
    }

    LibTorchLocation? Find(string? overrideDir = null, string? backend = null) =>
        NativeLocator.FindLibTorch(TorchSharpDir, App, libTorchSharpPath: null, overrideDir, backend);

    [Fact]
    public void CpuPackageOnly_IsFoundInTheNuGetCache()
    {
        var cpu = Touch(Native("libtorch-cpu-linux-x64"), "libtorch_cpu.so", "libtorch.so", "libc10.so");
        var found = Find()!;
        Assert.False(found.IsCuda);
        Assert.Equal([cpu], found.Directories);
        Assert.Equal("NuGet cache", found.Source);
    }

    [Fact]
    public void CudaPackagesInParts_WinTogether_OverTheCpuPackage_UnlessTheBackendSaysCpu()
    {
        var cpu = Touch(Native("libtorch-cpu-linux-x64"), "libtorch_cpu.so");
        var part1 = Touch(Native("libtorch-cuda-12.8-linux-x64-part1"), "libtorch_cpu.so", "libc10.so");
        var part2 = Touch(Native("libtorch-cuda-12.8-linux-x64-part2"), "libtorch_cuda.so", "libc10_cuda.so");

        var found = Find()!;
        Assert.True(found.IsCuda);
        Assert.Equal([part1, part2], found.Directories);
        Assert.Equal("CUDA libtorch", found.Kind);

        Assert.Equal([cpu], Find(backend: "cpu")!.Directories);
        Assert.True(Find(backend: "CUDA")!.IsCuda);
        Assert.Contains("LATENTLAB_TORCH_BACKEND=tpu", Assert.Throws<TorchSetupException>(() => Find(backend: "tpu")).Message);
    }

    [Fact]
    public void AnIncompleteCudaPackage_DoesNotCount_AndCudaOnlyThenFindsNothing()
    {
        Touch(Native("libtorch-cpu-linux-x64"), "libtorch_cpu.so");
        Touch(Native("libtorch-cuda-12.8-linux-x64-part1"), "libc10.so");   // the part with libtorch_cuda.so is missing
        Assert.False(Find()!.IsCuda);
        Assert.Null(Find(backend: "cuda"));
    }

    [Fact]
    public void ABuiltApplication_UsesTheBackendBesideIt_AndTorchSharpsConsolidatedFolderComesNext()
    {
        Touch(Native("libtorch-cpu-linux-x64"), "libtorch_cpu.so");
        var consolidated = Touch(Path.Combine(TorchSharpDir, "cuda-12.8"), "libtorch_cpu.so", "libtorch_cuda.so");
        var viaConsolidated = Find()!;
        Assert.Equal([consolidated], viaConsolidated.Directories);
        Assert.True(viaConsolidated.IsCuda);

        Touch(App, "libtorch_cpu.so", "libtorch.so");
        var app = Find()!;
        Assert.Equal([App], app.Directories);
        Assert.Equal((false, "application folder"), (app.IsCuda, app.Source));
    }

    [Fact]
    public void TheOverrideFolder_IsUsedAsItIs_AndMustHoldLibTorch()
    {
        var own = Touch(Path.Combine(_root, "pytorch", "lib"), "libtorch_cpu.so", "libtorch_cuda.so");
        var found = Find(overrideDir: own)!;
        Assert.Equal([own], found.Directories);
        Assert.Equal((true, "LATENTLAB_LIBTORCH_DIR"), (found.IsCuda, found.Source));

        var e = Assert.Throws<TorchSetupException>(() => Find(overrideDir: _root));
        Assert.Contains("LATENTLAB_LIBTORCH_DIR", e.Message);
        Assert.Contains("libtorch_cpu.so", e.Message);
    }

    [Fact]
    public void PatchedFolder_LinksEveryPartOfACudaBuild_FirstFolderWinningANameTwice()
    {
        var lib = NativeLocator.FindLibTorchSharp();
        if (lib is null) return;   // no TorchSharp native library on this platform: nothing to patch
        var part1 = Touch(Native("libtorch-cuda-12.8-linux-x64-part1"), "libtorch_cpu.so", "libc10.so");
        var part2 = Touch(Native("libtorch-cuda-12.8-linux-x64-part2"), "libtorch_cuda.so", "libc10.so");
        var folder = PatchedNatives.Prepare(lib, Find()!, ["GLIBCXX_3.4.32"], Path.Combine(_root, "cache"));

        Assert.Equal(Path.Combine(part1, "libtorch_cpu.so"), new FileInfo(Path.Combine(folder, "libtorch_cpu.so")).LinkTarget);
        Assert.Equal(Path.Combine(part2, "libtorch_cuda.so"), new FileInfo(Path.Combine(folder, "libtorch_cuda.so")).LinkTarget);
        Assert.Equal(Path.Combine(part1, "libc10.so"), new FileInfo(Path.Combine(folder, "libc10.so")).LinkTarget);
    }
}
