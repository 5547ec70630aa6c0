using System.Reflection;

namespace LatentLab.Torch;

/// <summary>Finds TorchSharp's native library, the libtorch libraries it links to, and the libstdc++ in use.</summary>
public static class NativeLocator
{
    public const string LibTorchSharpFile = "libLibTorchSharp.so";
    const string LibTorchCpuFile = "libtorch_cpu.so";

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
    /// The folder holding libtorch_cpu.so and friends: <c>LATENTLAB_LIBTORCH_DIR</c> if set; else beside the
    /// native library or the application; else TorchSharp's consolidated folder; else the libtorch-cpu-linux-x64
    /// package in the NuGet cache that TorchSharp.dll came from.
    /// </summary>
    public static string? FindLibTorchDirectory(string libTorchSharpPath)
    {
        var overridden = Environment.GetEnvironmentVariable("LATENTLAB_LIBTORCH_DIR");
        if (!string.IsNullOrEmpty(overridden)) return overridden;
        var asmDir = TorchSharpAssemblyDirectory;
        var direct = new[]
        {
            System.IO.Path.GetDirectoryName(libTorchSharpPath)!,
            AppContext.BaseDirectory,
            System.IO.Path.Combine(asmDir, "cpu"),
        };
        var found = direct.FirstOrDefault(d => File.Exists(System.IO.Path.Combine(d, LibTorchCpuFile)));
        if (found is not null) return found;

        var packagesDir = System.IO.Path.GetFullPath(System.IO.Path.Combine(asmDir, "..", "..", "..", ".."));
        var family = System.IO.Path.Combine(packagesDir, "libtorch-cpu-linux-x64");
        if (!Directory.Exists(family)) return null;
        return Directory.GetDirectories(family)
            .Select(v => System.IO.Path.Combine(v, "runtimes", "linux-x64", "native"))
            .Where(d => File.Exists(System.IO.Path.Combine(d, LibTorchCpuFile)))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault();
    }

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
