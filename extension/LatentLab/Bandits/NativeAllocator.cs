using System.Runtime.InteropServices;

namespace LatentLab.Bandits;

/// <summary>
/// Keeps glibc malloc from handing tensor memory back to the kernel after every step. Training and rollouts free and
/// re-allocate the same multi-megabyte buffers (LSTM workspaces, activations) thousands of times; with glibc's
/// defaults each large block is mmap'ed and munmap'ed (or the heap top trimmed) every time, so every page is faulted
/// in again: the default training spent over a third of its CPU time in the kernel (docs/bandit-student.md).
/// Serving every block from the heap (no per-block mmap) with a high trim threshold keeps the pages mapped and makes
/// the gradient step about twice as fast. Cost: up to ~1 GB of freed memory stays mapped to this process for reuse. Process-wide, idempotent,
/// Linux/glibc only (elsewhere a no-op); numbers computed are unchanged (allocation policy only).
/// Set LATENTLAB_DEFAULT_MALLOC=1 to keep glibc's defaults (for before/after measurements).
/// </summary>
public static class NativeAllocator
{
    const int MTrimThreshold = -1, MTopPad = -2, MMmapThreshold = -3, MMmapMax = -4;   // glibc <malloc.h>
    static int _applied;

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int Mallopt(int parameter, int value);

    /// <summary>Applies the settings once per process; returns false when not on Linux/glibc.</summary>
    public static bool KeepPagesMapped()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariable("LATENTLAB_DEFAULT_MALLOC") == "1") return false;   // opt-out (benchmark comparisons)
        if (Interlocked.Exchange(ref _applied, 1) == 1) return true;
        try
        {
            Mallopt(MMmapThreshold, 32 * 1024 * 1024);      // largest value glibc accepts on 64-bit (fixes the threshold)
            Mallopt(MMmapMax, 0);                           // and none at all: the K=5 LSTM workspace (B*K*T*4H floats) is > 32 MB
            Mallopt(MTrimThreshold, 1024 * 1024 * 1024);    // only trim the heap top beyond 1 GB free
            Mallopt(MTopPad, 256 * 1024 * 1024);            // grow the heap in 256 MB steps (64 MB was not enough: measured)
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;                                   // not glibc (e.g. musl): keep the defaults
        }
    }
}
