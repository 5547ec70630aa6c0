using System.CommandLine;
using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>
/// One <c>latentlab</c> command: its name (the magic command's without <c>#!</c>), description, an example, the science
/// options record, the records of the files it reads, and the run. Every option is a knob of one of those records or of
/// <see cref="CliKnobs"/>; nothing about an option is written here.
/// </summary>
public sealed class CliCommand
{
    /// <summary>
    /// Defines a command; fails at once when two records declare the same flag or the example uses an unknown one.
    /// <paramref name="views"/> adds part of a record (<see cref="OptionSchema.Except"/>), e.g. GRPO's own knobs beside PPO's.
    /// </summary>
    public CliCommand(string name, string description, string example, Type? options, IReadOnlyList<Type> inputs, Func<CliRun, Task<CliResult>> run,
        IReadOnlyList<OptionSchema>? views = null)
    {
        Name = name;
        Description = description;
        Example = example;
        OptionsType = options;
        Run = run;
        var schemas = new List<OptionSchema>();
        if (options is not null) schemas.Add(OptionSchema.For(options));
        schemas.AddRange(inputs.Select(OptionSchema.For));
        schemas.AddRange(views ?? []);
        schemas.Add(OptionSchema.For<CliKnobs>());
        Schemas = schemas;
        var all = schemas.SelectMany(KnobOption.Of).ToList();
        var seen = new Dictionary<string, KnobOption>(StringComparer.Ordinal);
        foreach (var o in all)
        {
            if (!seen.TryAdd(Knob.KeyOf(o.Flag), o))
                throw new ArgumentException($"latentlab {name}: {o.Flag} is declared by {o.Schema.RecordType.Name} and {seen[Knob.KeyOf(o.Flag)].Schema.RecordType.Name}.");
        }
        foreach (var token in example.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => t.StartsWith("--", StringComparison.Ordinal)))
        {
            if (!seen.ContainsKey(Knob.KeyOf(token)))
                throw new ArgumentException($"The example of latentlab {name} uses {token}, which is not one of its options.");
        }
        Options = all;
    }

    /// <summary>The command as typed after <c>latentlab</c>, e.g. <c>bandit-train</c>.</summary>
    public string Name { get; }

    /// <summary>What it does and what it writes.</summary>
    public string Description { get; }

    /// <summary>One complete command line.</summary>
    public string Example { get; }

    /// <summary>The science options record (read from <c>--options FILE</c> or its defaults, then the flags), or null.</summary>
    public Type? OptionsType { get; }

    /// <summary>Every record whose knobs are options of this command (science, files, <see cref="CliKnobs"/>).</summary>
    public IReadOnlyList<OptionSchema> Schemas { get; }

    /// <summary>The options, in help order.</summary>
    public IReadOnlyList<KnobOption> Options { get; }

    /// <summary>The run: reads its records from <see cref="CliRun"/>, writes its files, returns what it wrote.</summary>
    public Func<CliRun, Task<CliResult>> Run { get; }

    /// <summary>The System.CommandLine command (a fresh one per call).</summary>
    public Command ToCommand()
    {
        var command = new Command(Name, $"{Description}{Environment.NewLine}{Environment.NewLine}Example: {Example}");
        foreach (var o in Options) command.Options.Add(o.Symbol);
        return command;
    }
}
