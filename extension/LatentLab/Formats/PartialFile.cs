namespace LatentLab.Formats;

/// <summary>
/// Every writer here writes to "path.partial" and renames it onto the path when done. A rename never truncates the file
/// a loaded activation set still has memory-mapped (overwriting it in place would, and touching a truncated mapping
/// kills the process with SIGBUS), a reader never sees a half-written file, and a failed write leaves the old file.
/// </summary>
internal static class PartialFile
{
    public static string PathOf(string path) => path + ".partial";

    /// <summary>Creates (or replaces a stale) "path.partial" for writing.</summary>
    public static FileStream Create(string path, FileAccess access = FileAccess.Write)
    {
        if (Directory.Exists(path))
            throw new ArgumentException($"'{path}' is a folder (a directory, give a file): give the path of the file to write inside it.", nameof(path));
        StaleTempFiles.Remove(path);                      // e.g. checkpoint-style temps beside it; its own .partial is replaced below
        return new FileStream(PathOf(path), FileMode.Create, access, FileShare.None, 1 << 20);
    }

    /// <summary>Flushes and closes <paramref name="stream"/> and moves the partial file onto <paramref name="path"/>.</summary>
    public static void Commit(FileStream stream, string path)
    {
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        File.Move(PathOf(path), path, overwrite: true);
    }

    /// <summary>Closes <paramref name="stream"/> and deletes the partial file (best effort).</summary>
    public static void Discard(FileStream stream, string path)
    {
        stream.Dispose();
        try { File.Delete(PathOf(path)); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes a whole file through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var fs = Create(path);
        try
        {
            write(fs);
            Commit(fs, path);
        }
        catch
        {
            Discard(fs, path);
            throw;
        }
    }
}
