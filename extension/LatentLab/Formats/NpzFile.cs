using System.IO.Compression;

namespace LatentLab.Formats;

/// <summary>
/// NumPy's .npz archives: a zip of .npy files (stored by numpy.savez, deflated by numpy.savez_compressed), one per
/// named array. Opening and reading go through here so a damaged or truncated archive gets a message naming the file
/// and the entry instead of the zip library's own.
/// </summary>
public static class NpzFile
{
    /// <summary>Opens an archive for reading (the caller disposes it).</summary>
    /// <exception cref="ArrayFileException">Missing, a folder, unreadable, or not a zip archive (damaged or truncated).</exception>
    public static ZipArchive OpenRead(string path)
    {
        var stream = NpyFile.OpenRead(path);
        try { return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false); }
        catch (InvalidDataException e)
        {
            stream.Dispose();
            throw new ArrayFileException(path, $"not a readable .npz (zip) archive ({e.Message}); it is damaged or truncated. " +
                "Expected a file written by numpy.savez or numpy.savez_compressed; copy the whole file or save it again.", e);
        }
    }

    /// <summary>The array name of an entry ("layer_0.npy" -> "layer_0"), or null for an entry that is not a .npy array.</summary>
    public static string? ArrayName(ZipArchiveEntry entry) =>
        entry.FullName.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? entry.FullName[..^4] : null;

    /// <summary>The name of an entry in messages: "archive.npz:entry.npy".</summary>
    public static string EntryName(string path, ZipArchiveEntry entry) => path + ":" + entry.FullName;

    /// <summary>Opens an entry and reads its .npy header; the stream is left at the array's first byte.</summary>
    public static (Stream Stream, NpyHeader Header) OpenArray(string path, ZipArchiveEntry entry)
    {
        var s = Guard(path, entry.FullName, entry.Open);
        try { return (s, Guard(path, entry.FullName, () => NpyFile.ReadHeader(s, EntryName(path, entry), entry.Length))); }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="read"/> (which reads entry <paramref name="entry"/>) and turns the zip library's
    /// decompression errors into an <see cref="ArrayFileException"/> naming the archive and the entry.</summary>
    public static T Guard<T>(string path, string entry, Func<T> read)
    {
        try { return read(); }
        catch (InvalidDataException e)
        {
            throw new ArrayFileException(path, $"entry '{entry}' cannot be decompressed ({e.Message}); the archive is damaged or truncated. " +
                "Copy the whole file, or save it again with numpy.savez.", e);
        }
    }

    /// <summary>Writes arrays (name without ".npy", dtype, shape, little-endian bytes) as an .npz archive, as numpy.savez does (atomically, through "path.partial").</summary>
    public static void Write(string path, IEnumerable<(string Name, ArrayDType DType, long[] Shape, byte[] Data)> arrays, bool compress = false)
    {
        PartialFile.Write(path, fs =>
        {
            using var zip = new ZipArchive(fs, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, dtype, shape, data) in arrays)
            {
                using var s = zip.CreateEntry(name + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression).Open();
                NpyFile.WriteTo(s, dtype, data, shape);
            }
        });
    }
}
