namespace LatentLab.Hosts.Tests.Notebooks;

/// <summary>
/// Judges an executed notebook against its source: every code cell ran, no cell failed except those tagged
/// `raises-exception`, and each of those really failed. dotnet-repl drops cell tags from its output, so the
/// tags are read from the source notebook and matched by position.
/// </summary>
public static class NotebookOutcome
{
    public static IReadOnlyList<string> FindProblems(NotebookDocument source, NotebookDocument executed)
    {
        var problems = new List<string>();
        var sourceCode = source.CodeCells.ToList();
        var executedCode = executed.CodeCells.ToList();
        if (sourceCode.Count != executedCode.Count)
        {
            problems.Add($"{source.Path} has {sourceCode.Count} code cells but the executed copy has {executedCode.Count}.");
            return problems;
        }

        for (var i = 0; i < sourceCode.Count; i++)
        {
            var expected = sourceCode[i];
            var ran = executedCode[i];
            var errors = ran.Errors.ToList();
            var where = $"code cell {i + 1} (`{FirstLine(expected.Source)}`)";
            if (expected.ExpectsError && errors.Count == 0)
            {
                problems.Add($"{where} is tagged raises-exception but did not fail.");
            }
            else if (!expected.ExpectsError && errors.Count > 0)
            {
                problems.Add($"{where} failed: {string.Join(" | ", errors.Select(e => Shorten(e.Text)))}");
            }
        }

        return problems;
    }

    private static string FirstLine(string source) => Shorten(source.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "", 80);

    private static string Shorten(string text, int max = 1500) => text.Length <= max ? text : text[..max] + "...";
}
