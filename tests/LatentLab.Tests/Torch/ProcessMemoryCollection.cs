namespace LatentLab.Tests.Torch;

/// <summary>
/// Tests that measure the process's resident set: they run alone (no other test class in parallel), since another test
/// allocating or freeing at the same moment moves the same number.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "process memory (runs alone)";
}
