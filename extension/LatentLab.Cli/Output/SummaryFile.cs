using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatentLab.Cli.Output;

/// <summary>Writes <c>--summary FILE</c>: the command, its summary line, whether it is partial, its files and its metrics (atomically).</summary>
public static class SummaryFile
{
    /// <summary>Writes the summary of <paramref name="result"/> to <paramref name="path"/>; NaN and infinities are written as strings.</summary>
    public static void Write(string path, CliCommand command, CliResult result)
    {
        var metrics = new JsonObject();
        foreach (var (name, value) in result.Metrics)
            metrics[name] = double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var node = new JsonObject
        {
            ["command"] = command.Name,
            ["summary"] = result.Summary,
            ["partial"] = result.Partial,
            ["files"] = new JsonArray(result.Files.Select(f => (JsonNode)f).ToArray()),
            ["metrics"] = metrics,
        };
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        ResultFiles.Atomically(full, temp => File.WriteAllText(temp, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }
}
