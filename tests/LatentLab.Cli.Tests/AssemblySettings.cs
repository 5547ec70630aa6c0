// Torch runs hold a process-wide thread scope; the in-process runs share one process: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
