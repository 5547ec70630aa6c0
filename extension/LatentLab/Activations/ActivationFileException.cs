namespace LatentLab.Activations;

/// <summary>
/// A file given to LatentLab (activations, labels, groups, baseline scores, lengths) cannot be used. The message names
/// the file, what is wrong and what was expected.
/// </summary>
public sealed class ActivationFileException : ArgumentException
{
    /// <summary>The file at fault (or a description such as "in-memory activations").</summary>
    public string File { get; }

    public ActivationFileException(string file, string problem, Exception? inner = null)
        : base($"{Path.GetFileName(file)}: {problem} (file: {file})", inner)
    {
        File = file;
    }
}
