namespace LatentLab.Tests.Models;

/// <summary>Tests that set torch's process-wide thread count for their runs (restored afterwards) run alone.</summary>
[CollectionDefinition("torch threads", DisableParallelization = true)]
public class TorchThreadsCollection;
