namespace LatentLab.Hosts.Tests.Notebooks;

/// <summary>One output of a code cell: its type, and all its text (every mime type, or the error name and value).</summary>
public sealed record NotebookOutput(string OutputType, string Text)
{
    public bool IsError => OutputType == "error";
}
