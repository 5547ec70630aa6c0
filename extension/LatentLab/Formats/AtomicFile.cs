namespace LatentLab.Formats;

/// <summary>
/// Writes a whole file atomically for any writer that takes a path (a CSV of DataFrame.SaveCsv, a JSON text): it fills the
/// temp path <c>.NAME.xxxxxxxx.tmp</c> beside NAME and renames it onto NAME. Stale temps of NAME that a killed write left
/// behind are removed first (<see cref="StaleTempFiles"/>, the checkpoints' rule), so result tables, sweep files and
/// summaries leave nothing behind either.
/// </summary>
public static class AtomicFile
{
    /// <summary>Lets <paramref name="write"/> fill a temporary path, then moves it onto <paramref name="path"/>; returns <paramref name="path"/>.</summary>
    public static string Write(string path, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException($"'{path}' is a folder, so the file cannot be written there; move the folder away or write the file elsewhere.");
        StaleTempFiles.Remove(full);
        var temp = StaleTempFiles.NewTempPath(full);
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            try { if (File.Exists(temp)) File.Delete(temp); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // best effort: the next write removes it
        }
        return path;
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static string WriteText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text));
}
