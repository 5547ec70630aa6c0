using LatentLab.Imitation;

namespace LatentLab.Tests.Imitation;

public sealed class PartWorkersTests
{
    [Fact]
    public void Run_RunsEveryPartOnce_PartZeroOnTheCaller_TheOthersOnTheSameHelperEveryTime()
    {
        using var workers = new PartWorkers(2);
        Assert.Equal(3, workers.Parts);
        int caller = Environment.CurrentManagedThreadId;
        int[]? firstThreads = null;
        for (int run = 0; run < 5; run++)
        {
            var counts = new int[3];
            var threads = new int[3];
            workers.Run(part =>
            {
                Interlocked.Increment(ref counts[part]);
                threads[part] = Environment.CurrentManagedThreadId;
                Thread.Sleep(part == 0 ? 0 : 5);   // Run must wait for the slower helpers
            });
            Assert.Equal([1, 1, 1], counts);
            Assert.Equal(caller, threads[0]);
            Assert.Equal(3, threads.Distinct().Count());
            firstThreads ??= threads;
            Assert.Equal(firstThreads, threads);   // the helpers are reused, not made per run
        }
    }

    [Fact]
    public void Dispose_EndsTheHelpers_AndRunAfterItIsRefused()
    {
        var workers = new PartWorkers(1);
        workers.Run(_ => { });
        workers.Dispose();
        workers.Dispose();   // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => workers.Run(_ => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartWorkers(0));
    }
}
