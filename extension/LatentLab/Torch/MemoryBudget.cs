using System.Globalization;

namespace LatentLab.Torch;

/// <summary>
/// Refuses a run whose options would need more memory than the machine has, before it allocates anything: a
/// <c>--questions 1000000</c> that would thrash the machine for minutes and then be killed (taking the notebook kernel with
/// it) becomes one message naming the estimate, the available memory and the option to lower. Every science entry point
/// whose allocations grow with its options calls <see cref="Ensure"/> right after validating them.
/// Available memory: <c>MemAvailable</c> of /proc/meminfo (capped by a cgroup v2 <c>memory.max</c> when one is set),
/// else what the .NET GC reports.
/// </summary>
public static class MemoryBudget
{
    /// <summary>Throws <see cref="MemoryBudgetException"/> when <paramref name="estimate"/> exceeds the memory available now.</summary>
    public static void Ensure(MemoryEstimate estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (Available() is { } available) Ensure(estimate, available.Bytes, available.Source);
    }

    /// <summary>As <see cref="Ensure(MemoryEstimate)"/> against a given number of available bytes (for tools and tests).</summary>
    public static void Ensure(MemoryEstimate estimate, long availableBytes, string source = "given")
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (estimate.Bytes <= availableBytes) return;
        // The largest part scales with the option to lower; the rest stays. Suggest a value whose estimate fits in 80%.
        double rest = Math.Max(0, estimate.Bytes - estimate.LargestBytes);
        double room = 0.8 * availableBytes - rest;
        string fit = room > 0 && estimate.LargestBytes > 0 && estimate.LowerValue >= 2
            ? $" (about {Math.Max(1, Math.Floor(estimate.LowerValue * room / estimate.LargestBytes)).ToString("0", CultureInfo.InvariantCulture)} or less fits here)"
            : "";
        var message = $"these options need about {Format(estimate.Bytes)} of memory, mostly {estimate.Largest}, but this machine has " +
                      $"{Format(availableBytes)} available ({source}); the run was refused before allocating anything. " +
                      $"Lower {estimate.Lower}{fit}" +
                      (estimate.Alternatives is { } more ? $", or {more}" : "") + ".";
        throw new MemoryBudgetException(message, estimate, availableBytes);
    }

    /// <summary>Bytes available to this process now and where the number comes from, or null when nothing says.</summary>
    public static (long Bytes, string Source)? Available()
    {
        long? meminfo = ReadMemAvailable();
        long? cgroup = ReadCgroupRoom();
        if (meminfo is { } m && cgroup is { } c && c < m) return (c, "the cgroup's memory.max minus memory.current");
        if (meminfo is { } mi) return (mi, "MemAvailable in /proc/meminfo");
        if (cgroup is { } cg) return (cg, "the cgroup's memory.max minus memory.current");
        var gc = GC.GetGCMemoryInfo();
        long free = gc.TotalAvailableMemoryBytes - gc.MemoryLoadBytes;
        return free > 0 ? (free, "the .NET GC's total available memory minus its memory load") : null;
    }

    /// <summary>Bytes as people read them: 512 MB, 55.3 GB.</summary>
    public static string Format(double bytes) => bytes switch
    {
        >= 1e12 => (bytes / 1e12).ToString("0.0", CultureInfo.InvariantCulture) + " TB",
        >= 1e9 => (bytes / 1e9).ToString("0.0", CultureInfo.InvariantCulture) + " GB",
        >= 1e6 => (bytes / 1e6).ToString("0", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / 1e3).ToString("0", CultureInfo.InvariantCulture) + " kB",
    };

    static long? ReadMemAvailable()
    {
        try
        {
            if (!File.Exists("/proc/meminfo")) return null;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    static long? ReadCgroupRoom()
    {
        try
        {
            const string max = "/sys/fs/cgroup/memory.max", current = "/sys/fs/cgroup/memory.current";
            if (!File.Exists(max) || !File.Exists(current)) return null;
            var limitText = File.ReadAllText(max).Trim();
            if (limitText == "max" || !long.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit)) return null;
            if (!long.TryParse(File.ReadAllText(current).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var used)) return null;
            return Math.Max(0, limit - used);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
