namespace LatentLab.Benchmarks;

/// <summary>
/// `--pool-thread`: runs the measured work on a thread-pool thread, as a notebook kernel runs a cell (glibc gives such
/// threads their own malloc arena, which changed bandit training's speed; see docs/bandit-student.md).
/// </summary>
static class KernelLikeThread
{
    public static T Run<T>(string[] args, Func<T> work) =>
        args.Contains("--pool-thread") ? Task.Run(work).GetAwaiter().GetResult() : work();
}
