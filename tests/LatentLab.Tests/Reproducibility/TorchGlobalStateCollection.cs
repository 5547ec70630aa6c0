namespace LatentLab.Tests.Reproducibility;

/// <summary>
/// Tests that compare numbers against stored ones: they run alone (no other test class in parallel), since another test
/// that sets torch's thread count or draws from its global generator at the same moment changes the numbers they compute.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalStateCollection
{
    public const string Name = "torch global state (runs alone)";
}
