using System.Runtime.InteropServices;

namespace LatentLab.Torch;

/// <summary>
/// glibc malloc settings for the runs that free and re-allocate the same multi-megabyte tensors thousands of times
/// (bandit training and rollouts: LSTM workspaces, activations). With glibc's defaults each such block is mmap'ed and
/// munmap'ed (or the heap top trimmed) at every step, so every page is faulted in again: the default training spent ~38%
/// of its CPU time in the kernel (63 M minor page faults). Inside a <see cref="KeepPagesMapped"/> scope every block is
/// served from the heap (no per-block mmap), the heap is trimmed only beyond 1 GB free and grows in 256 MB steps, which
/// halves the gradient step. Numbers computed are unchanged (allocation policy only).
/// <para>
/// The settings are process-wide, so they last only while a scope is open. Kept for good they would hurt the
/// multi-GB buffers of language-model weights: with per-block mmap off, a freed block sitting below a live one in the
/// heap cannot go back to the OS. When the last scope closes, blocks of 32 MB and more are mmap'ed again (each freed
/// one returns to the OS at once; this is where glibc's own sliding threshold ends up), the trim threshold is 64 MB,
/// and <c>malloc_trim</c> hands the free pages the run kept back to the OS.
/// </para>
/// <para>
/// Language-model passes want the opposite (<see cref="ReturnLargeBlocks"/>): their activations are 4-40 MB blocks
/// (8 x 128 tokens of a 0.6B model: 8 MB per query tensor, 12.6 MB per MLP tensor) freed layer by layer. Served from
/// the heap, as glibc's sliding threshold does after the first big free, the freed blocks fragment the heap and the
/// process kept ~0.5 GB more than it used at the peak (measured: peak RSS 3.09 GB against 2.84 GB for 2.38 GB of
/// weights). Inside such a scope blocks of 4 MB and more are mmap'ed (each returns to the OS when freed) unless the heap
/// can serve them from free space it already holds (left by an earlier run: measured, 16 of 24 such blocks in the tests
/// after a bandit run), and the heap top is trimmed beyond 32 MB free; when the last scope closes, <c>malloc_trim</c>
/// returns the heap's free pages. If a bandit run's scope is open at the same time, its settings win.
/// </para>
/// Linux/glibc only (elsewhere a no-op). Set LATENTLAB_DEFAULT_MALLOC=1 to keep glibc's defaults throughout (for
/// before/after measurements).
/// </summary>
public static class NativeAllocator
{
    const int MTrimThreshold = -1, MTopPad = -2, MMmapThreshold = -3, MMmapMax = -4;   // glibc <malloc.h>
    const int GlibcDefaultMmapMax = 65536, GlibcDefaultTopPad = 128 * 1024;
    const int MaxMmapThreshold = 32 * 1024 * 1024;                                     // largest value glibc accepts on 64-bit

    /// <summary>
    /// <see cref="ReturnLargeBlocks"/>' mmap threshold: blocks of this size and more are mmap'ed (default 4 MB; at most
    /// 32 MB, glibc's limit). Takes effect when the next outermost scope opens. For measurements (the llm benchmark's
    /// --allocator mode); the default is what the language-model code runs with.
    /// </summary>
    public static int LargeBlockBytes
    {
        get { lock (Gate) return _largeBlock; }
        set
        {
            if (value is < 128 * 1024 or > MaxMmapThreshold)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"the mmap threshold must lie in [128 KiB, {MaxMmapThreshold >> 20} MiB] (glibc's range).");
            lock (Gate) _largeBlock = value;
        }
    }
    static int _largeBlock = 4 * 1024 * 1024;

    static readonly object Gate = new();
    static int _open, _openLarge;
    static bool _unavailable;

    /// <summary>True while at least one scope holds the run settings.</summary>
    public static bool IsKeepingPages { get { lock (Gate) return _open > 0 && !_unavailable; } }

    /// <summary>True while a <see cref="ReturnLargeBlocks"/> scope holds its settings (and no bandit run's scope overrides them).</summary>
    public static bool IsReturningLargeBlocks { get { lock (Gate) return _openLarge > 0 && _open == 0 && !_unavailable; } }

    /// <summary>
    /// Applies the run settings until the returned scope is disposed (scopes nest and may overlap across threads: the
    /// settings stay until the last one closes). The scope's <see cref="AllocatorScope.Active"/> is false when nothing was
    /// changed (not Linux/glibc, or LATENTLAB_DEFAULT_MALLOC=1).
    /// </summary>
    public static AllocatorScope KeepPagesMapped()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("LATENTLAB_DEFAULT_MALLOC") == "1")
            return new AllocatorScope(active: false);
        lock (Gate)
        {
            if (_unavailable) return new AllocatorScope(active: false);
            if (_open == 0 && !Apply(
                    (MMmapThreshold, MaxMmapThreshold),   // fixes the threshold (no sliding)
                    (MMmapMax, 0),                        // and no per-block mmap at all: the K=5 LSTM workspace is > 32 MB
                    (MTrimThreshold, 1024 * 1024 * 1024), // only trim the heap top beyond 1 GB free
                    (MTopPad, 256 * 1024 * 1024)))        // grow the heap in 256 MB steps (64 MB was not enough: measured)
            {
                _unavailable = true;
                return new AllocatorScope(active: false);
            }
            _open++;
            return new AllocatorScope(active: true, AllocatorScope.Kind.KeepPages);
        }
    }

    /// <summary>
    /// The language-model settings (see the class remarks) until the returned scope is disposed; scopes nest. Inactive
    /// when nothing was changed (not Linux/glibc, or LATENTLAB_DEFAULT_MALLOC=1).
    /// </summary>
    public static AllocatorScope ReturnLargeBlocks()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("LATENTLAB_DEFAULT_MALLOC") == "1")
            return new AllocatorScope(active: false);
        lock (Gate)
        {
            if (_unavailable) return new AllocatorScope(active: false);
            if (_openLarge == 0 && _open == 0 && !ApplyLarge())
            {
                _unavailable = true;
                return new AllocatorScope(active: false);
            }
            _openLarge++;
            return new AllocatorScope(active: true, AllocatorScope.Kind.LargeBlocks);
        }
    }

    internal static void Release(AllocatorScope.Kind kind)
    {
        lock (Gate)
        {
            if (kind == AllocatorScope.Kind.LargeBlocks)
            {
                if (_openLarge == 0 || --_openLarge > 0 || _open > 0) return;   // a bandit run's settings stay in force
            }
            else
            {
                if (_open == 0 || --_open > 0) return;
                if (_openLarge > 0) { ApplyLarge(); return; }                    // back to the language model's settings
            }
            Apply((MMmapMax, GlibcDefaultMmapMax), (MMmapThreshold, MaxMmapThreshold),
                  (MTrimThreshold, 2 * MaxMmapThreshold), (MTopPad, GlibcDefaultTopPad));
            MallocTrim(0);
        }
    }

    static bool ApplyLarge() => Apply(
        (MMmapMax, GlibcDefaultMmapMax),   // per-block mmap allowed again (a bandit run may have switched it off)
        (MMmapThreshold, _largeBlock),     // blocks of 4 MB (default) and more: mmap'ed, unmapped when freed
        (MTrimThreshold, 32 * 1024 * 1024),
        (MTopPad, GlibcDefaultTopPad));

    static bool Apply(params (int Parameter, int Value)[] settings)
    {
        try
        {
            foreach (var (parameter, value) in settings) Mallopt(parameter, value);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;   // not glibc (e.g. musl): keep the defaults
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int Mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);
}
