namespace LatentLab.Interactive.Help;

/// <summary>One magic command as <c>#!latentlab</c> shows it, read from its registered directive.</summary>
public sealed record CommandHelp(string Name, string Description, string Example, IReadOnlyList<OptionHelp> Options);
