using System.Reflection;
using Path = System.IO.Path;

namespace LatentLab.Torch;

/// <summary>Finds TorchSharp's native library, the libtorch libraries it links to, and the libstdc++ in use.</summary>
public static class NativeLocator
{
    public const string LibTorchSharpFile = "libLibTorchSharp.so";
    /// <summary>In every libtorch build (the CUDA one too).</summary>
    public const string LibTorchCpuFile = "libtorch_cpu.so";
    /// <summary>Only in the CUDA build.</summary>
    public const string LibTorchCudaFile = "libtorch_cuda.so";
    /// <summary>A folder holding libtorch's shared libraries, to use instead of searching.</summary>
    public const string LibTorchDirVariable = "LATENTLAB_LIBTORCH_DIR";
    /// <summary><c>cpu</c> or <c>cuda</c>: which libtorch build to look for when both are on disk (unset: CUDA first).</summary>
    public const string BackendVariable = "LATENTLAB_TORCH_BACKEND";

    /// <summary>Where TorchSharp.dll was loaded from (a bin folder, or the NuGet cache in a notebook host).</summary>
    public static string TorchSharpAssemblyDirectory =>
        System.IO.Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>The libLibTorchSharp.so that TorchSharp would load, or null.</summary>
    public static string? FindLibTorchSharp()
    {
        var asmDir = TorchSharpAssemblyDirectory;
        string[] candidates =
        {
            System.IO.Path.Combine(AppContext.BaseDirectory, LibTorchSharpFile),
            System.IO.Path.Combine(asmDir, LibTorchSharpFile),
            System.IO.Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibTorchSharpFile),
            // NuGet layout: torchsharp/<v>/lib/net8.0/TorchSharp.dll -> torchsharp/<v>/runtimes/linux-x64/native/
            System.IO.Path.GetFullPath(System.IO.Path.Combine(asmDir, "..", "..", "runtimes", "linux-x64", "native", LibTorchSharpFile)),
        };
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The libtorch that TorchSharp will use, for the library at <paramref name="libTorchSharpPath"/> (null when not
    /// found), searched in this process's folders; see the overload for the order.
    /// </summary>
    public static LibTorchLocation? FindLibTorch(string? libTorchSharpPath) =>
        FindLibTorch(TorchSharpAssemblyDirectory, AppContext.BaseDirectory, libTorchSharpPath,
            Environment.GetEnvironmentVariable(LibTorchDirVariable), Environment.GetEnvironmentVariable(BackendVariable));

    /// <summary>
    /// Finds one libtorch build, CPU or CUDA, without loading anything. Order: <paramref name="overrideDirectory"/>
    /// (<c>LATENTLAB_LIBTORCH_DIR</c>); beside the native library or the application (a built app holds whichever backend
    /// it referenced); TorchSharp's own consolidated folders beside TorchSharp.dll (<c>cuda-*</c>, then <c>cpu</c>); the
    /// NuGet cache TorchSharp.dll came from: the <c>libtorch-cuda-*-linux-x64*</c> packages of one version (their parts
    /// together), then <c>libtorch-cpu-linux-x64</c>. A CUDA build wins over a CPU one at the same step, because a user
    /// who restored it asked for it; <paramref name="backend"/> (<c>LATENTLAB_TORCH_BACKEND</c>) <c>cpu</c> or
    /// <c>cuda</c> keeps only that kind. Every libtorch build, CUDA included, has libtorch_cpu.so: that is the marker.
    /// </summary>
    public static LibTorchLocation? FindLibTorch(string torchSharpAssemblyDirectory, string applicationDirectory,
        string? libTorchSharpPath, string? overrideDirectory, string? backend)
    {
        var want = (backend ?? "").Trim().ToLowerInvariant();
        if (want is not ("" or "auto" or "cpu" or "cuda"))
            throw new TorchSetupException($"{BackendVariable}={backend} is not known: use cpu, cuda or leave it unset (auto).");
        bool Allowed(bool isCuda) => want is "" or "auto" || (want == "cuda") == isCuda;

        if (!string.IsNullOrEmpty(overrideDirectory))
        {
            if (!File.Exists(Path.Combine(overrideDirectory, LibTorchCpuFile)))
                throw new TorchSetupException(
                    $"{LibTorchDirVariable}={overrideDirectory} holds no {LibTorchCpuFile}: point it at the folder with libtorch's " +
                    "shared libraries (libtorch/lib of a PyTorch download, or a NuGet libtorch package's runtimes/linux-x64/native), or unset it.");
            return new([overrideDirectory], IsCudaFolder(overrideDirectory), LibTorchDirVariable);
        }

        var besides = new[] { libTorchSharpPath is null ? null : Path.GetDirectoryName(libTorchSharpPath), applicationDirectory }
            .OfType<string>().Where(d => File.Exists(Path.Combine(d, LibTorchCpuFile)));
        foreach (var d in besides)
            if (Allowed(IsCudaFolder(d))) return new([d], IsCudaFolder(d), "application folder");

        // TorchSharp's notebook fallback copies a backend's libraries into one folder beside TorchSharp.dll.
        var consolidated = (Directory.Exists(torchSharpAssemblyDirectory)
                ? Directory.GetDirectories(torchSharpAssemblyDirectory, "cuda-*").OrderByDescending(d => d, StringComparer.Ordinal)
                : Enumerable.Empty<string>())
            .Append(Path.Combine(torchSharpAssemblyDirectory, "cpu"))
            .Where(d => File.Exists(Path.Combine(d, LibTorchCpuFile)));
        foreach (var d in consolidated)
            if (Allowed(IsCudaFolder(d))) return new([d], IsCudaFolder(d), "TorchSharp's consolidated folder");

        // NuGet layout: <packages>/torchsharp/<v>/lib/net8.0/TorchSharp.dll
        var packages = Path.GetFullPath(Path.Combine(torchSharpAssemblyDirectory, "..", "..", "..", ".."));
        if (!Directory.Exists(packages)) return null;
        if (Allowed(true))
        {
            var cuda = Directory.GetDirectories(packages, "libtorch-cuda-*-linux-x64*")
                .SelectMany(p => Directory.GetDirectories(p).Select(v => (Version: Path.GetFileName(v), Native: NativeFolder(v))))
                .Where(x => Directory.Exists(x.Native))
                .GroupBy(x => x.Version)
                .Select(g => g.Select(x => x.Native).OrderBy(d => d, StringComparer.Ordinal).ToList())
                .Where(dirs => dirs.Any(d => File.Exists(Path.Combine(d, LibTorchCpuFile))) && dirs.Any(IsCudaFolder))
                .OrderByDescending(dirs => dirs[0], StringComparer.Ordinal)
                .FirstOrDefault();
            if (cuda is not null) return new(cuda, true, "NuGet cache");
        }
        if (!Allowed(false)) return null;
        var family = Path.Combine(packages, "libtorch-cpu-linux-x64");
        if (!Directory.Exists(family)) return null;
        var cpu = Directory.GetDirectories(family).Select(NativeFolder)
            .Where(d => File.Exists(Path.Combine(d, LibTorchCpuFile)))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault();
        return cpu is null ? null : new([cpu], false, "NuGet cache");
    }

    static string NativeFolder(string packageVersionFolder) => Path.Combine(packageVersionFolder, "runtimes", "linux-x64", "native");

    static bool IsCudaFolder(string directory) => File.Exists(Path.Combine(directory, LibTorchCudaFile));

    /// <summary>The libstdc++.so.6 mapped into this process (the one every native library will bind to), else the system's.</summary>
    public static string? FindSystemLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.Contains("libstdc++.so", StringComparison.Ordinal))
                    return line[slash..].Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        string[] wellKnown =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        return wellKnown.FirstOrDefault(File.Exists);
    }

    internal static string LatentLabVersion =>
        typeof(NativeLocator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(NativeLocator).Assembly.GetName().Version?.ToString() ?? "unknown";
}
