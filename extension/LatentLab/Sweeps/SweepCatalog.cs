using System.Text.Json.Nodes;
using LatentLab.Options;

namespace LatentLab.Sweeps;

/// <summary>
/// The commands a sweep can run, asked from the console tool itself (<c>latentlab sweep --list-commands</c>), so a front end
/// that is not the tool (the notebook) validates a grid against exactly the commands and options the points will run with.
/// </summary>
public static class SweepCatalog
{
    /// <summary>Runs <c>tool sweep --list-commands</c> and reads its records: those of LatentLab are checked by their schema, others (the console's own) pass as text.</summary>
    public static async Task<IReadOnlyList<SweepableCommand>> FromToolAsync(SweepTool tool, CancellationToken cancellationToken = default)
    {
        var line = tool.CommandLine(["sweep", "--list-commands"]);
        var (code, output, error) = await SlurmSweepRunner.RunAsync(line[0], line.Skip(1).ToList(), Environment.CurrentDirectory, cancellationToken).ConfigureAwait(false);
        if (code != 0)
            throw new ArgumentException($"--tool: `{string.Join(' ', line)}` failed (exit code {code}): {error.Trim()} — give --tool the path of latentlab or LatentLab.Cli.dll " +
                                        $"(or set ${SweepTool.EnvironmentVariable}).");
        return Parse(output);
    }

    /// <summary>Reads the JSON of <c>latentlab sweep --list-commands</c>.</summary>
    public static IReadOnlyList<SweepableCommand> Parse(string json)
    {
        var commands = new List<SweepableCommand>();
        var here = typeof(OptionSchema).Assembly;
        foreach (var c in JsonNode.Parse(json)!.AsArray())
        {
            var schemas = new List<OptionSchema>();
            var text = new List<string>();
            foreach (var r in c!["records"]!.AsArray())
            {
                var type = r!["assembly"]!.GetValue<string>() == here.GetName().Name ? here.GetType(r["type"]!.GetValue<string>()) : null;
                if (type is not null) schemas.Add(OptionSchema.For(type));
                else text.AddRange(r["flags"]!.AsArray().Select(f => f!.GetValue<string>()));
            }
            commands.Add(new SweepableCommand(c["name"]!.GetValue<string>(), schemas, text));
        }
        return commands;
    }
}
