using LatentLab.Torch;

namespace LatentLab.Tests.Torch;

public sealed class PartWorkersTests
{
    [Fact]
    public void Run_RunsEveryPartOnce_EachOnTheSameThreadEveryTime_NeverOnTheCaller()
    {
        int started = 0;
        var startThreads = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var workers = new PartWorkers(3, () =>
        {
            Interlocked.Increment(ref started);
            startThreads.Add(Environment.CurrentManagedThreadId);
        });
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
                Thread.Sleep(part == 0 ? 0 : 5);   // Run must wait for the slower parts
            });
            Assert.Equal([1, 1, 1], counts);
            Assert.DoesNotContain(caller, threads);
            Assert.Equal(3, threads.Distinct().Count());
            firstThreads ??= threads;
            Assert.Equal(firstThreads, threads);   // the threads are reused, not made per run
        }
        Assert.Equal(3, started);                  // the start action ran once per thread, not once per run
        Assert.Equal(firstThreads!.OrderBy(t => t), startThreads.OrderBy(t => t));
    }

    [Fact]
    public void Run_RethrowsAPartsException_AfterEveryPartHasEnded_AndThePoolStaysUsable()
    {
        using var workers = new PartWorkers(2);
        int finished = 0;
        var error = Assert.Throws<AggregateException>(() => workers.Run(part =>
        {
            if (part == 1) throw new InvalidOperationException("part 1 failed");
            Thread.Sleep(20);
            Interlocked.Increment(ref finished);
        }));
        Assert.Equal("part 1 failed", error.InnerException!.Message);
        Assert.Equal(1, finished);                 // part 0 ran to its end before Run returned
        int ran = 0;
        workers.Run(_ => Interlocked.Increment(ref ran));
        Assert.Equal(2, ran);
    }

    [Fact]
    public void Dispose_EndsTheThreads_AndRunAfterItIsRefused()
    {
        var workers = new PartWorkers(1);
        workers.Run(_ => { });
        workers.Dispose();
        workers.Dispose();   // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => workers.Run(_ => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartWorkers(0));
    }
}
