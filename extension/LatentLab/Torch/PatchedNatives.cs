using System.Security.Cryptography;

namespace LatentLab.Torch;

/// <summary>
/// Builds (once per machine and library) a private folder holding a copy of libLibTorchSharp.so whose missing
/// libstdc++ version needs are flagged weak, plus links to the libtorch libraries it needs (found through its
/// <c>$ORIGIN</c> run path). The NuGet cache is never modified.
/// </summary>
public static class PatchedNatives
{
    /// <summary>Root of LatentLab's native cache: <c>LATENTLAB_NATIVE_CACHE</c>, else <c>$XDG_CACHE_HOME/latentlab/natives</c>, else <c>~/.cache/latentlab/natives</c>.</summary>
    public static string CacheRoot
    {
        get
        {
            var explicitRoot = Environment.GetEnvironmentVariable("LATENTLAB_NATIVE_CACHE");
            if (!string.IsNullOrEmpty(explicitRoot)) return explicitRoot;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var baseDir = !string.IsNullOrEmpty(xdg) ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "latentlab", "natives");
        }
    }

    /// <summary>Returns the folder with the patched library, creating it atomically if needed.</summary>
    public static string Prepare(string libTorchSharpPath, string libTorchDirectory, IEnumerable<string> versionsToWeaken, string? cacheRoot = null) =>
        Prepare(ElfImage.Read(libTorchSharpPath), libTorchDirectory, versionsToWeaken, cacheRoot);

    /// <summary>Same, from the library already read for the assessment (the 2.4 MB file is read once per process).</summary>
    public static string Prepare(ElfImage library, string libTorchDirectory, IEnumerable<string> versionsToWeaken, string? cacheRoot = null)
    {
        cacheRoot ??= CacheRoot;
        var libTorchSharpPath = library.Path;
        var original = library.Bytes.ToArray();             // a copy: the weak flags below must not touch the caller's image
        var key = Convert.ToHexString(SHA256.HashData(
            original.Concat(System.Text.Encoding.UTF8.GetBytes("\0" + Path.GetFullPath(libTorchDirectory))).ToArray()))[..16].ToLowerInvariant();
        var target = Path.Combine(cacheRoot, key);
        if (IsComplete(target, libTorchDirectory)) return target;

        Directory.CreateDirectory(cacheRoot);
        var staging = Path.Combine(cacheRoot, $"{key}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var image = ElfImage.FromBytes(libTorchSharpPath, original);
            image.MarkVersionNeedsWeak(versionsToWeaken);
            File.WriteAllBytes(Path.Combine(staging, NativeLocator.LibTorchSharpFile), image.Bytes.ToArray());
            foreach (var lib in Directory.GetFiles(libTorchDirectory).Where(IsSharedObject))
            {
                var name = Path.GetFileName(lib);
                if (name == NativeLocator.LibTorchSharpFile) continue;
                File.CreateSymbolicLink(Path.Combine(staging, name), Path.GetFullPath(lib));
            }
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true); // incomplete leftover
            Directory.Move(staging, target);
        }
        catch (IOException) when (IsComplete(target, libTorchDirectory))
        {
            // Another process finished the same folder first; use theirs.
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return target;
    }

    static bool IsComplete(string folder, string libTorchDirectory) =>
        File.Exists(Path.Combine(folder, NativeLocator.LibTorchSharpFile))
        && File.Exists(Path.Combine(folder, "libtorch_cpu.so")) // follows the link: fails if the target moved
        && File.Exists(Path.Combine(libTorchDirectory, "libtorch_cpu.so"));

    static bool IsSharedObject(string path)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(".so", StringComparison.Ordinal) || name.Contains(".so.", StringComparison.Ordinal);
    }
}
