using System.Text.RegularExpressions;

namespace LatentLab.Formats;

/// <summary>
/// Temporary files that LatentLab's own writers leave when a save is killed half-way (kill -9, a dead kernel): checkpoint
/// temps <c>.NAME.xxxxxxxx.tmp</c> beside NAME (<see cref="NewTempPath"/>) and the <c>NAME.partial</c> of
/// <see cref="PartialFile"/>. The next save or load of NAME removes them. Only files of exactly those names are touched,
/// and only when no writer holds them: writers keep their temp file locked while they write (FileShare.None), and a
/// file that can be opened exclusively has no writer left. A <c>.partial</c> (a name other tools use too) must also be
/// untouched for a minute, as must every file where .NET's file locking is switched off.
/// </summary>
internal static class StaleTempFiles
{
    static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(1);

    /// <summary>A fresh temp path beside <paramref name="fullPath"/>: <c>.NAME.xxxxxxxx.tmp</c> (8 hex digits).</summary>
    public static string NewTempPath(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");

    /// <summary>Removes stale temp files of <paramref name="path"/>; returns how many. Never throws (clean-up is best effort).</summary>
    public static int Remove(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full);
            var name = Path.GetFileName(full);
            if (dir is null || string.IsNullOrEmpty(name) || !Directory.Exists(dir)) return 0;
            var pattern = new Regex("^" + Regex.Escape("." + name + ".") + "[0-9a-f]{8}" + Regex.Escape(".tmp") + "$", RegexOptions.CultureInvariant);
            int removed = 0;
            foreach (var candidate in Directory.EnumerateFiles(dir, "." + name + ".*.tmp"))
            {
                if (pattern.IsMatch(Path.GetFileName(candidate)) && TryDelete(candidate, requireAge: LockingDisabled)) removed++;
            }
            var partial = PartialFile.PathOf(full);
            if (File.Exists(partial) && TryDelete(partial, requireAge: true)) removed++;
            return removed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return 0;
        }
    }

    /// <summary>Deletes <paramref name="file"/> if nobody holds it open for writing (and, if asked, it is a minute old).</summary>
    static bool TryDelete(string file, bool requireAge)
    {
        try
        {
            if (requireAge && DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < MinimumAge) return false;
            // Opening with FileShare.None fails while a writer holds the file; DeleteOnClose removes it as we let go.
            using var probe = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;                                    // in use, gone already, or not ours to delete
        }
    }

    /// <summary>True when .NET's advisory file locks are switched off (then a lock proves nothing and age decides).</summary>
    static bool LockingDisabled =>
        Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING") is "1" or "true" or "TRUE" or "True";
}
