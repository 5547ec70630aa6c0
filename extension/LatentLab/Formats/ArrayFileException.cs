namespace LatentLab.Formats;

/// <summary>
/// A file (or an array inside one) cannot be read or written: not the format it claims, a header that lies about its
/// shape or offsets, a truncated copy, an element type LatentLab does not read. The message names the file, what is
/// wrong and what to do: <c>"acts.npy: truncated: ... Re-export ... (file: /full/path/acts.npy)"</c>.
/// An <see cref="IOException"/> (InvalidDataException is sealed), so one <c>catch (IOException)</c> around loading a file
/// covers a missing file and a bad one.
/// </summary>
public class ArrayFileException : IOException
{
    /// <summary>The file at fault, "archive.npz:entry.npy" for an entry, or a description such as "in-memory activations".</summary>
    public string File { get; }

    public ArrayFileException(string file, string problem, Exception? inner = null)
        : base($"{Path.GetFileName(file)}: {problem} (file: {file})", inner)
    {
        File = file;
    }
}
