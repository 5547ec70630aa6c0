namespace LatentLab.Hosts.Tests.Notebooks;

/// <summary>One cell of an .ipynb: its kind, source text, tags and outputs.</summary>
public sealed record NotebookCell(int Index, string CellType, string Source, IReadOnlyList<string> Tags, IReadOnlyList<NotebookOutput> Outputs)
{
    public bool IsCode => CellType == "code";

    /// <summary>Jupyter's convention (honoured by nbclient) for a cell that is meant to fail.</summary>
    public bool ExpectsError => Tags.Contains("raises-exception");

    public IEnumerable<NotebookOutput> Errors => Outputs.Where(o => o.IsError);
}
