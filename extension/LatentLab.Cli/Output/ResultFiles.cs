using System.Globalization;
using Microsoft.Data.Analysis;

namespace LatentLab.Cli.Output;

/// <summary>Writes result files atomically (a temporary file in the same folder, then a rename), so a path holds a whole file or nothing new.</summary>
public static class ResultFiles
{
    /// <summary>Writes <paramref name="frame"/> as CSV (invariant culture, header row) to <paramref name="path"/>.</summary>
    public static string WriteCsv(DataFrame frame, string path) =>
        Atomically(path, temp => DataFrame.SaveCsv(frame, temp, cultureInfo: CultureInfo.InvariantCulture));

    /// <summary>Lets <paramref name="write"/> fill a temporary path, then moves it to <paramref name="path"/>; returns <paramref name="path"/>.
    /// Stale temps of <paramref name="path"/> left by a killed run are removed first (<see cref="LatentLab.Formats.AtomicFile"/>).</summary>
    public static string Atomically(string path, Action<string> write) => LatentLab.Formats.AtomicFile.Write(path, write);
}
