using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using LatentLab.Formats;

namespace LatentLab.Activations;

/// <summary>
/// Reads one value per question (labels, group ids, chain lengths) from .npy, .csv, .jsonl or .txt files.
/// .csv: the column named <c>column</c> (e.g. "label"), or the only column (a non-numeric first row is a header).
/// .jsonl: one JSON object per line with that key (or a bare value per line). .txt: one value per line.
/// </summary>
public static class LabelFile
{
    /// <summary>The values as strings (numbers formatted invariantly; integral floats without decimals).</summary>
    public static string[] ReadColumn(string path, string column)
    {
        NpyFile.OpenRead(path).Dispose(); // missing, a folder or unreadable: one message for every file type
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".npy" => ReadNpy(path),
            ".csv" or ".tsv" => ReadCsv(path, column, ext == ".tsv" ? '\t' : ','),
            ".jsonl" or ".ndjson" => ReadJsonl(path, column),
            ".txt" => ReadLines(path),
            _ => throw new ActivationFileException(path, $"unknown {column} file type '{ext}'; expected .npy, .csv, .jsonl or .txt (one {column} per question)."),
        };
    }

    static string[] ReadNpy(string path)
    {
        using var fs = NpyFile.OpenRead(path);
        var h = NpyFile.ReadHeader(fs, path, fs.Length);
        return ReadValues(fs, h.DType, h.Shape, path);
    }

    /// <summary>One value per question from an array of shape (N,) or (N, 1) at the stream's position (a .npy body, a tensor's bytes).</summary>
    internal static unsafe string[] ReadValues(Stream s, ArrayDType dtype, long[] shape, string name)
    {
        if (!(shape.Length == 1 || (shape.Length == 2 && shape[1] == 1)))
            throw new ActivationFileException(name, $"shape {ArrayShape.Text(shape)} is not one value per question; expected a 1-D array of shape (N,).");
        long bytesNeeded = ArrayShape.ByteCount(shape, dtype, name);
        if (bytesNeeded > Array.MaxLength / 4)
            throw new ActivationFileException(name, $"{shape[0]} values ({bytesNeeded} bytes) is too many to read as one value per question.");
        var bytes = new byte[bytesNeeded];
        if (NpyFile.ReadFully(s, bytes, 0, bytes.Length) < bytes.Length)
            throw new ActivationFileException(name, $"truncated: expected {bytes.Length} data bytes. Copy the whole file.");
        var result = new string[shape[0]];
        int size = ArrayDTypes.Size(dtype);
        fixed (byte* p = bytes)
            for (long i = 0; i < result.Length; i++)
                result[i] = FormatNumber(ArrayDTypes.ReadAsDouble(dtype, p + i * size), name, i);
        return result;
    }

    internal static string FormatNumber(double v, string name, long index)
    {
        if (!double.IsFinite(v)) throw new ActivationFileException(name, $"value {index} is {v}; expected a finite label, group id or length for every question.");
        return v == Math.Floor(v) && Math.Abs(v) < 1e15 ? ((long)v).ToString(CultureInfo.InvariantCulture) : v.ToString("R", CultureInfo.InvariantCulture);
    }

    static string[] ReadLines(string path) =>
        File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    static string[] ReadCsv(string path, string column, char sep)
    {
        var rows = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).Select(l => l.Split(sep).Select(c => c.Trim().Trim('"')).ToArray()).ToList();
        if (rows.Count == 0) throw new ActivationFileException(path, $"the file is empty; expected one {column} per question.");
        var header = rows[0];
        int col = Array.FindIndex(header, h => string.Equals(h, column, StringComparison.OrdinalIgnoreCase));
        bool hasHeader = col >= 0;
        if (!hasHeader)
        {
            if (header.Length != 1)
                throw new ActivationFileException(path, $"no column named '{column}' among [{string.Join(", ", header)}]; expected a '{column}' column (or a single-column file).");
            col = 0;
            hasHeader = !double.TryParse(header[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _) &&
                        rows.Skip(1).All(r => double.TryParse(r[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) && rows.Count > 1;
        }
        var data = rows.Skip(hasHeader ? 1 : 0).ToList();
        var result = new string[data.Count];
        for (int i = 0; i < data.Count; i++)
        {
            if (data[i].Length <= col)
                throw new ActivationFileException(path, $"row {i + (hasHeader ? 2 : 1)} has {data[i].Length} cells; expected a value in column {col + 1} ('{column}').");
            result[i] = Normalise(data[i][col]);
        }
        return result;
    }

    static string[] ReadJsonl(string path, string column)
    {
        var result = new List<string>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            JsonElement e;
            try { e = JsonDocument.Parse(line).RootElement; }
            catch (JsonException ex) { throw new ActivationFileException(path, $"line {lineNo} is not valid JSON ({ex.Message}); expected one JSON object per line.", ex); }
            if (e.ValueKind == JsonValueKind.Object)
            {
                if (!e.TryGetProperty(column, out var v))
                    throw new ActivationFileException(path, $"line {lineNo} has no '{column}' key (keys: {string.Join(", ", e.EnumerateObject().Select(p => p.Name))}); expected {{\"{column}\": ...}} on every line.");
                e = v;
            }
            result.Add(e.ValueKind switch
            {
                JsonValueKind.String => e.GetString()!.Trim(),
                JsonValueKind.Number => Normalise(e.GetRawText()),
                JsonValueKind.True => "1",
                JsonValueKind.False => "0",
                _ => throw new ActivationFileException(path, $"line {lineNo}: '{column}' is {e.ValueKind}; expected a string or a number."),
            });
        }
        return result.ToArray();
    }

    static string Normalise(string s)
    {
        s = s.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v == Math.Floor(v) && Math.Abs(v) < 1e15)
            return ((long)v).ToString(CultureInfo.InvariantCulture);
        return s;
    }

    /// <summary>Reads an .npz entry holding one value per question.</summary>
    internal static string[] ReadNpzEntry(string path, ZipArchiveEntry entry)
    {
        var (s, h) = NpzFile.OpenArray(path, entry);
        using (s) return NpzFile.Guard(path, entry.FullName, () => ReadValues(s, h.DType, h.Shape, NpzFile.EntryName(path, entry)));
    }
}
