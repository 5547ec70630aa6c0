using System.Security.Cryptography;

namespace LatentLab.Torch;

/// <summary>
/// Builds (once per machine, library and libtorch) a private folder holding a copy of libLibTorchSharp.so whose missing
/// libstdc++ version needs are flagged weak, plus links to every shared library of one libtorch build, CPU or CUDA
/// (found through the copy's <c>$ORIGIN</c> run path). The NuGet cache is never modified.
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
    public static string Prepare(string libTorchSharpPath, LibTorchLocation libTorch, IEnumerable<string> versionsToWeaken, string? cacheRoot = null) =>
        Prepare(ElfImage.Read(libTorchSharpPath), libTorch, versionsToWeaken, cacheRoot);

    /// <summary>Same, from the library already read for the assessment (the 2.4 MB file is read once per process).</summary>
    public static string Prepare(ElfImage library, LibTorchLocation libTorch, IEnumerable<string> versionsToWeaken, string? cacheRoot = null)
    {
        ArgumentNullException.ThrowIfNull(libTorch);
        cacheRoot ??= CacheRoot;
        var libTorchSharpPath = library.Path;
        var original = library.Bytes.ToArray();             // a copy: the weak flags below must not touch the caller's image
        var weaken = versionsToWeaken.Order(StringComparer.Ordinal).ToList();
        // One folder per library, libtorch folder(s) and set of weakened versions.
        var identity = "\0" + string.Join("\0", libTorch.Directories.Select(Path.GetFullPath)) + "\0weak:" + string.Join(",", weaken);
        var key = Convert.ToHexString(SHA256.HashData(original.Concat(System.Text.Encoding.UTF8.GetBytes(identity)).ToArray()))[..16].ToLowerInvariant();
        var target = Path.Combine(cacheRoot, key);
        if (IsComplete(target, libTorch)) return target;

        Directory.CreateDirectory(cacheRoot);
        // Processes starting together (a sweep's workers) build the folder one at a time: without the lock, one could
        // take another's finished folder for an incomplete leftover and delete it while that one loads from it.
        using var exclusive = LockFile(Path.Combine(cacheRoot, $"{key}.lock"));
        if (IsComplete(target, libTorch)) return target;   // built by another process while this one waited
        var staging = Path.Combine(cacheRoot, $"{key}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var image = ElfImage.FromBytes(libTorchSharpPath, original);
            image.MarkVersionNeedsWeak(weaken);
            File.WriteAllBytes(Path.Combine(staging, NativeLocator.LibTorchSharpFile), image.Bytes.ToArray());
            foreach (var lib in libTorch.Directories.SelectMany(Directory.GetFiles).Where(IsSharedObject))
            {
                var link = Path.Combine(staging, Path.GetFileName(lib));
                if (Path.GetFileName(lib) == NativeLocator.LibTorchSharpFile || File.Exists(link)) continue;   // first folder wins
                File.CreateSymbolicLink(link, Path.GetFullPath(lib));
            }
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true); // incomplete leftover
            Directory.Move(staging, target);
        }
        catch (IOException) when (IsComplete(target, libTorch))
        {
            // Another process finished the same folder first; use theirs.
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return target;
    }

    /// <summary>An exclusive lock on <paramref name="path"/> (flock under .NET's FileShare.None), waited for up to 2 minutes.</summary>
    static FileStream LockFile(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (DateTime.UtcNow < deadline) { Thread.Sleep(25); }
        }
    }

    static bool IsComplete(string folder, LibTorchLocation libTorch) =>
        File.Exists(Path.Combine(folder, NativeLocator.LibTorchSharpFile))
        && File.Exists(Path.Combine(folder, NativeLocator.LibTorchCpuFile)) // follows the link: fails if the target moved
        && (!libTorch.IsCuda || File.Exists(Path.Combine(folder, NativeLocator.LibTorchCudaFile)));

    static bool IsSharedObject(string path)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(".so", StringComparison.Ordinal) || name.Contains(".so.", StringComparison.Ordinal);
    }
}
