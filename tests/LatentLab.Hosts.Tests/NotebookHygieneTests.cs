using System.Text.Json.Nodes;
using LatentLab.Hosts.Tests.Infrastructure;
using LatentLab.Hosts.Tests.Notebooks;

namespace LatentLab.Hosts.Tests;

/// <summary>Committed notebooks load the fresh pack and leak nothing of the machine they were run on.</summary>
public sealed class NotebookHygieneTests
{
    public static TheoryData<string> Notebooks() => DotnetReplNotebookTests.Notebooks();

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void CommittedNotebook_HoldsNoMachineSpecificText(string notebook)
    {
        var leaks = MachineSpecifics.Find(File.ReadAllText(Path.Combine(RepoLayout.Notebooks, notebook)));
        Assert.True(leaks.Count == 0, $"notebooks/{notebook} holds machine-specific text (run tests/scrub_notebook.py on it):\n" + string.Join("\n", leaks));
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void CommittedNotebook_FirstCodeCell_ImportsTheLatestPack(string notebook)
    {
        var first = NotebookDocument.Load(Path.Combine(RepoLayout.Notebooks, notebook)).CodeCells.FirstOrDefault();
        Assert.True(
            first is not null && first.Source.Contains("#!import ../nuget/feed/use-latentlab.dib", StringComparison.Ordinal),
            $"notebooks/{notebook}: the first code cell must be `#!import ../nuget/feed/use-latentlab.dib` (written by " +
            $"nuget/pack.sh with the #i/#r lines of the latest pack), or the notebook loads a stale or missing package. " +
            $"It is: `{first?.Source.Trim()}`");
    }

    [Fact]
    public async Task Scrubber_RemovesThisMachinesPathsAndAddresses_AndKeepsSourcesAndVersions()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var addresses = MachineSpecifics.LocalAddresses();
        var leaky = string.Join(
            "\n",
            [
                $"Restore sources {RepoLayout.Root}/nuget/feed",
                $"Loading extensions from `{home}/.nuget/packages/latentlab.interactive/0.1.0/interactive-extensions/dotnet/LatentLab.Interactive.dll`",
                "checkpoint at /tmp/latentlab-1234/model.pt",
                $"host {System.Net.Dns.GetHostName()}",
                .. addresses.Select(a => $"listening on http://{(a.Contains(':') ? $"[{a}]" : a)}:2048/ and {a}"),
                "TorchSharp 0.107.0.0, started 23:44:59",
            ]);
        var source = "#!latentlab";
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(new JsonObject
            {
                ["cell_type"] = "code",
                ["metadata"] = new JsonObject(),
                ["source"] = source,
                ["outputs"] = new JsonArray(new JsonObject
                {
                    ["output_type"] = "display_data",
                    ["data"] = new JsonObject { ["text/plain"] = leaky },
                }),
            }),
            ["metadata"] = new JsonObject(),
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        var directory = Path.Combine(RepoLayout.Artifacts, "scrub-check");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "leaky.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());
        Assert.NotEmpty(MachineSpecifics.Find(File.ReadAllText(path)));

        await Python.ScrubAsync(path);

        var scrubbed = NotebookDocument.Load(path);
        var text = File.ReadAllText(path);
        Assert.Empty(MachineSpecifics.Find(text));
        Assert.Equal(source, scrubbed.Cells[0].Source);
        Assert.Contains("[repo]/nuget/feed", scrubbed.Cells[0].Outputs[0].Text);
        Assert.Contains("~/.nuget/packages/latentlab.interactive", scrubbed.Cells[0].Outputs[0].Text);
        Assert.Contains("TorchSharp 0.107.0.0, started 23:44:59", scrubbed.Cells[0].Outputs[0].Text);
    }
}
