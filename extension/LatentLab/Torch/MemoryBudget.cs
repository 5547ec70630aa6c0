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
    public static void Ensure(MemoryEstimate estimate) => Ensure(estimate, deviceType: null);

    /// <summary>
    /// As <see cref="Ensure(MemoryEstimate)"/> for a run on <paramref name="device"/>. On a CUDA device the tensors live in the
    /// GPU's memory, which TorchSharp 0.107 does not report (it has no torch.cuda.mem_get_info): the check is then against
    /// host memory only, and a refusal says so.
    /// </summary>
    public static void Ensure(MemoryEstimate estimate, TorchSharp.torch.Device? device) => Ensure(estimate, device?.type);

    /// <summary>As <see cref="Ensure(MemoryEstimate, TorchSharp.torch.Device?)"/> by device type (null: the CPU).</summary>
    public static void Ensure(MemoryEstimate estimate, TorchSharp.DeviceType? deviceType)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (Available() is not { } available) return;
        string source = deviceType is { } t && t != TorchSharp.DeviceType.CPU
            ? available.Source + $"; checked against host memory only: the run is on {t}, whose free memory TorchSharp does not report, so it may still run out there"
            : available.Source;
        Ensure(estimate, available.Bytes, source);
    }

    /// <summary>As <see cref="Ensure(MemoryEstimate)"/> against a given number of available bytes (for tools and tests).</summary>
    public static void Ensure(MemoryEstimate estimate, long availableBytes, string source = "given")
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (estimate.Bytes <= availableBytes) return;
        // Suggest, for each option that shrinks the run, the largest value whose estimate fits in 80% of what is available:
        // the estimate function itself is solved (by bisection), not scaled, since not every part grows linearly.
        double room = 0.8 * availableBytes;
        var knobs = estimate.Knobs;
        var first = knobs.FirstOrDefault(k => k.Option == estimate.Lower);
        string lower = first is null ? estimate.Lower : Suggest(first, room);
        var others = knobs.Where(k => !ReferenceEquals(k, first)).Select(k => Suggest(k, room)).ToList();
        string more = others.Count > 0 ? string.Join(", or ", others) : estimate.Alternatives ?? "";
        var message = $"these options need about {Format(estimate.Bytes)} of memory, mostly {estimate.Largest}, but this machine has " +
                      $"{Format(availableBytes)} available ({source}); the run was refused before allocating anything. " +
                      $"Lower {lower}" + (more.Length > 0 ? $", or {more}" : "") + (knobs.Count > 1 ? " (each value with the other options as given)" : "") +
                      (estimate.Also is { } also ? $"; or {also}" : "") + ".";
        throw new MemoryBudgetException(message, estimate, availableBytes);
    }

    /// <summary>The largest whole value of <paramref name="knob"/> from its minimum to its current value whose estimate fits in <paramref name="room"/> bytes, or null when none does.</summary>
    public static double? LargestFitting(MemoryKnob knob, double room)
    {
        ArgumentNullException.ThrowIfNull(knob);
        double step = knob.Step >= 1 ? Math.Floor(knob.Step) : 1;
        double lo = Math.Ceiling(Math.Max(1, knob.Minimum) / step), hi = Math.Floor(knob.Value / step);   // in units of step
        if (hi < lo || !(knob.BytesAt(lo * step) <= room)) return null;
        if (knob.BytesAt(hi * step) <= room) return hi * step;
        while (hi - lo > 1)                                   // BytesAt(lo) fits, BytesAt(hi) does not; estimates grow with every option
        {
            double mid = Math.Floor(lo + (hi - lo) / 2);
            if (knob.BytesAt(mid * step) <= room) lo = mid; else hi = mid;
        }
        return lo * step;
    }

    static string Suggest(MemoryKnob knob, double room) => LargestFitting(knob, room) is { } fit
        ? $"{knob.Option} (about {fit.ToString("0", CultureInfo.InvariantCulture)} or less fits here)"
        : $"{knob.Option} (alone it cannot make the run fit: even {knob.Minimum.ToString("0", CultureInfo.InvariantCulture)} needs about {Format(knob.BytesAt(knob.Minimum))})";

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
