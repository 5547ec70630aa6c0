using System.Globalization;
using Microsoft.Data.Analysis;

namespace LatentLab.Cli.Output;

/// <summary>Writes result files atomically (a temporary file in the same folder, then a rename), so a path holds a whole file or nothing new.</summary>
public static class ResultFiles
{
    /// <summary>Writes <paramref name="frame"/> as CSV (invariant culture, header row) to <paramref name="path"/>.</summary>
    public static string WriteCsv(DataFrame frame, string path) =>
        Atomically(path, temp => DataFrame.SaveCsv(frame, temp, cultureInfo: CultureInfo.InvariantCulture));

    /// <summary>Lets <paramref name="write"/> fill a temporary path, then moves it to <paramref name="path"/>; returns <paramref name="path"/>.</summary>
    public static string Atomically(string path, Action<string> write)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp{Path.GetExtension(path)}");
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return path;
    }
}
