namespace LatentLab.Interactive.Help;

/// <summary>One option as <c>#!latentlab</c> shows it.</summary>
public sealed record OptionHelp(string Name, string Description, string TypeHint, string? Default, string? Allowed, bool Required, bool Flag);
