using System.Text.Json.Nodes;
using LatentLab.Hosts.Tests.Infrastructure;
using LatentLab.Hosts.Tests.Notebooks;
using Xunit.Abstractions;

namespace LatentLab.Hosts.Tests;

/// <summary>
/// Every notebook in notebooks/ runs headless in dotnet-repl (the repo's pinned local tool) against a fresh pack.
/// One test case per notebook, found when the tests are discovered, so new notebooks are covered without edits.
/// </summary>
public sealed class DotnetReplNotebookTests(ITestOutputHelper output)
{
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var file in RepoLayout.NotebookFiles())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task Notebook_RunsInDotnetRepl_WithNoCellFailingUnlessTaggedRaisesException(string notebook)
    {
        var version = await FreshPackage.VersionAsync();
        var source = Path.Combine(RepoLayout.Notebooks, notebook);
        var outputDirectory = Path.Combine(RepoLayout.Artifacts, "dotnet-repl");
        Directory.CreateDirectory(outputDirectory);
        var executed = Path.Combine(outputDirectory, notebook);
        File.Delete(executed);

        // The working directory is notebooks/: the local tool manifest is found from there, and the notebooks'
        // `#!import ../nuget/feed/use-latentlab.dib` resolves against it, as it does in Jupyter and VS Code.
        var result = await ProcessRunner.RunAsync(
            "dotnet",
            ["repl", "--run", source, "--exit-after-run", "--output-path", executed],
            RepoLayout.Notebooks,
            TimeSpan.FromMinutes(20),
            NotebookEnvironment.ForTests(version));
        output.WriteLine($"LatentLab.Interactive {version}; {result.Command} -> {result.ExitCode} in {result.Elapsed.TotalSeconds:F1} s");

        // dotnet-repl exits 2 when any cell failed (expected failures included), 0 when none did.
        Assert.True(result.ExitCode is 0 or 2, result.Describe());
        Assert.True(File.Exists(executed), "dotnet-repl wrote no executed notebook.\n" + result.Describe());
        WriteCellTimings(executed);

        await Python.ScrubAsync(executed);
        var problems = NotebookOutcome.FindProblems(NotebookDocument.Load(source), NotebookDocument.Load(executed));
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + result.Describe(1500));
        if (result.ExitCode == 2)
        {
            Assert.Contains(NotebookDocument.Load(source).CodeCells, c => c.ExpectsError);
        }

        // The notebook loaded this run's pack, not a copy some host had cached.
        var text = File.ReadAllText(executed);
        Assert.Contains($"LatentLab.Interactive, {version}", text);

        var leaks = MachineSpecifics.Find(text);
        Assert.True(leaks.Count == 0, $"{executed} still holds machine-specific text after scrubbing:\n" + string.Join("\n", leaks));
    }

    /// <summary>dotnet-repl stamps each cell with start and end times: report them (load time, first torch call).</summary>
    private void WriteCellTimings(string executed)
    {
        var cells = JsonNode.Parse(File.ReadAllText(executed))?["cells"]?.AsArray() ?? [];
        var lines = new List<string>();
        foreach (var cell in cells)
        {
            var metadata = cell?["metadata"];
            if (cell?["cell_type"]?.ToString() == "code" && DateTimeOffset.TryParse(metadata?["dotnet_repl_cellExecutionStartTime"]?.ToString(), out var start)
                && DateTimeOffset.TryParse(metadata?["dotnet_repl_cellExecutionEndTime"]?.ToString(), out var end))
            {
                var source = cell!["source"] is JsonArray a ? string.Concat(a.Select(l => l?.ToString())) : cell["source"]?.ToString() ?? "";
                var first = source.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
                lines.Add($"{(end - start).TotalSeconds,8:F2} s  {first}");
            }
        }

        File.WriteAllLines(Path.ChangeExtension(executed, ".timings.txt"), lines);
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }
}
