using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatentLab.Sweeps;

/// <summary>What a point's folder says about it.</summary>
public enum PointState
{
    /// <summary>Not run yet, or cut short before it wrote anything (a resume runs it).</summary>
    Pending,

    /// <summary>Its result file is complete.</summary>
    Done,

    /// <summary>It ended with a non-zero exit code (a resume runs it again).</summary>
    Failed,
}

/// <summary>A point's state, its result (when done) and its failure message (when failed).</summary>
public sealed record PointStatus(SweepPoint Point, PointState State, PointResult? Result, int? ExitCode, string? Error);

/// <summary>What a point's <c>result.json</c> holds (written by <c>latentlab &lt;command&gt; --summary FILE</c>).</summary>
public sealed record PointResult(string Summary, bool Partial, IReadOnlyList<string> Files, IReadOnlyList<KeyValuePair<string, double>> Metrics);

/// <summary>
/// A sweep's folder: <c>sweep.json</c> (the manifest: command, grid, seeds and every point with its arguments) and one folder
/// per point, <c>points/&lt;name&gt;/</c>, the point's <c>--out-dir</c>, holding its files and <c>result.json</c> (written
/// atomically by the tool: a point is done exactly when it exists and is not partial), or <c>exit-code</c> and
/// <c>stderr.log</c> when it failed. Nothing else records state, so any runner can resume any other's sweep.
/// </summary>
public sealed class SweepFolder
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFile = "sweep.json";

    /// <summary>A done point's result file.</summary>
    public const string ResultFile = "result.json";

    /// <summary>A failed point's exit code.</summary>
    public const string ExitCodeFile = "exit-code";

    /// <summary>A point's standard error.</summary>
    public const string ErrorFile = "stderr.log";

    SweepFolder(string path, SweepPlan plan)
    {
        Path = path;
        Plan = plan;
    }

    /// <summary>The folder (full path).</summary>
    public string Path { get; }

    /// <summary>The sweep it holds.</summary>
    public SweepPlan Plan { get; }

    /// <summary>
    /// Opens <paramref name="folder"/> for <paramref name="plan"/>: creates it with the manifest, or checks that the manifest
    /// there is this sweep's (then it resumes). Refuses a folder holding another sweep, or other files, with a message saying what to do.
    /// </summary>
    public static SweepFolder Open(string folder, SweepPlan plan)
    {
        var path = System.IO.Path.GetFullPath(folder);
        var manifest = System.IO.Path.Combine(path, ManifestFile);
        if (File.Exists(path))
            throw new ArgumentException($"--folder {folder} is a file; give a folder for the sweep (it is created when missing), e.g. --folder {folder}-sweep.");
        for (var dir = System.IO.Path.GetDirectoryName(path); dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
                throw new ArgumentException($"--folder {folder} lies under {dir}, which is a file, so the folder cannot be created; give a folder elsewhere.");
        }
        if (Directory.Exists(manifest))
            throw new ArgumentException($"--folder {folder}: {ManifestFile} there is a folder, not the sweep's manifest; use another folder or delete this one.");
        if (File.Exists(manifest))
        {
            JsonNode? existing;
            try
            {
                existing = JsonNode.Parse(File.ReadAllText(manifest));
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"--folder {folder}: {ManifestFile} there is not readable ({e.Message}); use another folder or delete this one.", e);
            }
            string? id;
            try { id = existing is JsonObject o && o["id"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null; }
            catch (InvalidOperationException) { id = null; }
            if (existing is not JsonObject)
                throw new ArgumentException($"--folder {folder}: {ManifestFile} there is not a sweep manifest (a JSON object); use another folder or delete this one.");
            if (id != plan.Id)
            {
                throw new ArgumentException($"--folder {folder} holds another sweep (latentlab {existing?["command"]} --grid \"{existing?["grid"]}\" " +
                                            $"--seeds {existing?["seeds"]}); give a new --folder, or delete that folder to start over. " +
                                            "(The same command, grid, fixed options and seeds resume it.)");
            }
        }
        else
        {
            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
                throw new ArgumentException($"--folder {folder} exists and holds other files but no {ManifestFile}; give a new or empty folder for the sweep.");
            Directory.CreateDirectory(path);
            WriteAtomically(manifest, Manifest(plan).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        Directory.CreateDirectory(System.IO.Path.Combine(path, "points"));
        return new SweepFolder(path, plan);
    }

    static JsonObject Manifest(SweepPlan plan) => new()
    {
        ["format"] = 1,
        ["id"] = plan.Id,
        ["command"] = plan.Command.Name,
        ["grid"] = plan.Options.Grid,
        ["fixed"] = plan.Options.Fixed,
        ["seeds"] = plan.Options.Seeds,
        ["points"] = new JsonArray(plan.Points.Select(p => (JsonNode)new JsonObject
        {
            ["index"] = p.Index,
            ["name"] = p.Name,
            ["setting"] = p.Setting,
            ["seed"] = p.Seed,
            ["values"] = new JsonObject(p.Values.Select(v => new KeyValuePair<string, JsonNode?>(v.Key, v.Value))),
            ["arguments"] = new JsonArray(p.Arguments.Select(a => (JsonNode)a).ToArray()),
        }).ToArray()),
    };

    /// <summary>The folder of <paramref name="point"/> (its --out-dir).</summary>
    public string PointFolder(SweepPoint point) => System.IO.Path.Combine(Path, "points", point.Name);

    /// <summary>Reads the state of every point from its folder.</summary>
    public IReadOnlyList<PointStatus> Statuses() => Plan.Points.Select(Status).ToList();

    /// <summary>Reads the state of <paramref name="point"/>.</summary>
    public PointStatus Status(SweepPoint point)
    {
        var dir = PointFolder(point);
        var resultPath = System.IO.Path.Combine(dir, ResultFile);
        if (File.Exists(resultPath) && ReadResult(resultPath) is { Partial: false } result) return new PointStatus(point, PointState.Done, result, 0, null);
        var codePath = System.IO.Path.Combine(dir, ExitCodeFile);
        if (File.Exists(codePath))
        {
            int? code = int.TryParse(File.ReadAllText(codePath).Trim(), out var c) ? c : null;
            return new PointStatus(point, PointState.Failed, null, code, ErrorTail(dir, code));
        }
        return new PointStatus(point, PointState.Pending, null, null, null);
    }

    /// <summary>Clears what an earlier attempt left in the point's folder (its failure, a partial result), before it runs again.</summary>
    public string Prepare(SweepPoint point)
    {
        var dir = PointFolder(point);
        Directory.CreateDirectory(dir);
        foreach (var name in new[] { ResultFile, ExitCodeFile }) File.Delete(System.IO.Path.Combine(dir, name));
        return dir;
    }

    /// <summary>Records that <paramref name="point"/> ended with <paramref name="exitCode"/> (its stderr is already in its folder).</summary>
    public void RecordFailure(SweepPoint point, int exitCode) =>
        WriteAtomically(System.IO.Path.Combine(PointFolder(point), ExitCodeFile), exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The failure message: the exit code's meaning and the last lines of the point's stderr.</summary>
    public string ErrorTail(string dir, int? code)
    {
        var meaning = code switch
        {
            2 => "exit code 2 (bad input)",
            130 => "exit code 130 (interrupted)",
            137 => "exit code 137 (killed)",
            1 => "exit code 1 (a bug in the command)",
            null => "an unreadable exit code",
            _ => $"exit code {code}",
        };
        var log = System.IO.Path.Combine(dir, ErrorFile);
        string tail = "";
        if (File.Exists(log))
        {
            var lines = File.ReadAllLines(log).Where(l => l.Trim().Length > 0).ToArray();
            tail = string.Join(" | ", lines.TakeLast(6));
            if (tail.Length > 1500) tail = "…" + tail[^1500..];
        }
        return tail.Length == 0 ? meaning : $"{meaning}: {tail}";
    }

    /// <summary>Reads a point's result file (null when it is not a complete result).</summary>
    public static PointResult? ReadResult(string path)
    {
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path));
            if (node is null) return null;
            var metrics = new List<KeyValuePair<string, double>>();
            if (node["metrics"] is JsonObject m)
            {
                foreach (var (key, value) in m)
                {
                    metrics.Add(new(key, value is null ? double.NaN : value.GetValueKind() == JsonValueKind.String
                        ? double.Parse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : value.GetValue<double>()));
                }
            }
            var files = node["files"] is JsonArray f ? f.Select(x => x!.GetValue<string>()).ToList() : [];
            return new PointResult(node["summary"]?.GetValue<string>() ?? "", node["partial"]?.GetValue<bool>() ?? false, files, metrics);
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="text"/> to a temporary file beside <paramref name="path"/>, then renames it (a reader sees all or nothing).</summary>
    public static void WriteAtomically(string path, string text) => Formats.AtomicFile.WriteText(path, text);
}
