namespace LatentLab.Torch;

/// <summary>A run's hold on one of <see cref="NativeAllocator"/>'s settings; disposing it lets the last holder restore them.</summary>
public sealed class AllocatorScope : IDisposable
{
    int _disposed;

    internal enum Kind { KeepPages, LargeBlocks }

    readonly Kind _kind;

    internal AllocatorScope(bool active, Kind kind = Kind.KeepPages)
    {
        Active = active;
        _kind = kind;
    }

    /// <summary>True when the run settings were applied (Linux/glibc and not opted out).</summary>
    public bool Active { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1 || !Active) return;
        NativeAllocator.Release(_kind);
    }
}
