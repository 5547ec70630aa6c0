using System.Text;
using System.Text.Json.Nodes;

namespace LatentLab.Hosts.Tests.Notebooks;

/// <summary>A parsed .ipynb file (nbformat 4): the cells in order, with their outputs.</summary>
public sealed record NotebookDocument(string Path, IReadOnlyList<NotebookCell> Cells)
{
    public IEnumerable<NotebookCell> CodeCells => Cells.Where(c => c.IsCode);

    public static NotebookDocument Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))
            ?? throw new InvalidDataException($"{path} is empty; expected an .ipynb (JSON) notebook.");
        var cells = root["cells"]?.AsArray()
            ?? throw new InvalidDataException($"{path} has no \"cells\" array; expected an nbformat 4 notebook.");

        var parsed = new List<NotebookCell>();
        foreach (var cell in cells)
        {
            if (cell is null)
            {
                continue;
            }

            var tags = cell["metadata"]?["tags"]?.AsArray().Select(t => t?.GetValue<string>() ?? "").ToList() ?? [];
            var outputs = cell["outputs"]?.AsArray().Where(o => o is not null).Select(o => ParseOutput(o!)).ToList() ?? [];
            parsed.Add(new NotebookCell(parsed.Count, cell["cell_type"]?.GetValue<string>() ?? "", JoinText(cell["source"]), tags, outputs));
        }

        return new NotebookDocument(path, parsed);
    }

    private static NotebookOutput ParseOutput(JsonNode output)
    {
        var type = output["output_type"]?.GetValue<string>() ?? "";
        var text = new StringBuilder();
        if (output["data"] is JsonObject data)
        {
            foreach (var (_, value) in data)
            {
                text.AppendLine(JoinText(value));
            }
        }

        text.AppendLine(JoinText(output["text"]));
        text.AppendLine(JoinText(output["ename"]));
        text.AppendLine(JoinText(output["evalue"]));
        text.AppendLine(JoinText(output["traceback"]));
        return new NotebookOutput(type, text.ToString().Trim());
    }

    /// <summary>nbformat stores multi-line text either as one string or as a list of lines.</summary>
    private static string JoinText(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => l is JsonValue v && v.TryGetValue<string>(out var s) ? s : l?.ToJsonString() ?? "")),
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
