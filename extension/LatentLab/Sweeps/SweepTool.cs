namespace LatentLab.Sweeps;

/// <summary>How a point starts <c>latentlab</c>: a program and the arguments before the command (e.g. <c>dotnet LatentLab.Cli.dll</c>).</summary>
public sealed record SweepTool(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>The environment variable naming the tool when <c>--tool</c> is not given.</summary>
    public const string EnvironmentVariable = "LATENTLAB_TOOL";

    /// <summary>The full command line for <paramref name="arguments"/>.</summary>
    public IReadOnlyList<string> CommandLine(IEnumerable<string> arguments) => [FileName, .. Prefix, .. arguments];

    /// <summary>
    /// The tool <paramref name="text"/> names (a path to latentlab or LatentLab.Cli.dll, or a command on PATH); when null:
    /// $LATENTLAB_TOOL, else <paramref name="fallback"/> (the running latentlab), else latentlab on PATH, else <c>dotnet tool run latentlab</c>.
    /// </summary>
    public static SweepTool Resolve(string? text, SweepTool? fallback = null)
    {
        text ??= Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : null;
        if (text is null)
        {
            if (fallback is not null) return fallback;
            if (FindOnPath("latentlab") is { } onPath) return new SweepTool(onPath, []);
            return new SweepTool(DotnetHost(), ["tool", "run", "latentlab"]);
        }
        var trimmed = text.Trim();
        if (trimmed.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            var dll = Path.GetFullPath(trimmed);
            if (!File.Exists(dll)) throw new ArgumentException($"--tool {text}: no such file; give the path of LatentLab.Cli.dll or of the latentlab executable.");
            return new SweepTool(DotnetHost(), [dll]);
        }
        if (trimmed.Contains('/') || trimmed.Contains('\\'))
        {
            var exe = Path.GetFullPath(trimmed);
            if (!File.Exists(exe)) throw new ArgumentException($"--tool {text}: no such file; give the path of the latentlab executable or of LatentLab.Cli.dll.");
            return new SweepTool(exe, []);
        }
        return new SweepTool(FindOnPath(trimmed) ?? throw new ArgumentException(
            $"--tool {text}: not found on PATH; install the tool (dotnet tool install LatentLab.Cli) or give the path of LatentLab.Cli.dll."), []);
    }

    /// <summary>The tool of the running process when it is latentlab itself (the dotnet host and its entry assembly, or an apphost).</summary>
    public static SweepTool? Current(string? entryAssembly)
    {
        var process = Environment.ProcessPath;
        if (process is null) return null;
        bool isHost = Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        if (isHost)
            return entryAssembly is { Length: > 0 } dll && File.Exists(dll) && Path.GetFileName(dll).Equals("LatentLab.Cli.dll", StringComparison.OrdinalIgnoreCase)
                ? new SweepTool(process, [dll])
                : null;   // e.g. a test host running the CLI in-process
        var name = Path.GetFileNameWithoutExtension(process);
        return name.Equals("latentlab", StringComparison.OrdinalIgnoreCase) || name.Equals("LatentLab.Cli", StringComparison.OrdinalIgnoreCase)
            ? new SweepTool(process, [])
            : null;
    }

    /// <summary>The dotnet host: the running one, $DOTNET_HOST_PATH, or dotnet on PATH.</summary>
    static string DotnetHost()
    {
        if (Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return p;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        return FindOnPath("dotnet") ?? "dotnet";
    }

    static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
