using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Tests.Torch;

/// <summary>
/// torch's thread count is process state (a thread that first uses torch takes the last count set anywhere; MKL's count
/// is global), and test classes run in parallel: <see cref="TorchRuntime.UseThreads"/> holds it for one run at a time.
/// </summary>
public class ThreadScopeTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void UseThreads_SetsTheCountForTheRun_AndRestoresIt_EvenWhenTheRunThrows()
    {
        TorchRuntime.EnsureInitialized();
        int before = torch.get_num_threads();
        int target = before == 1 ? 2 : 1;

        using (var scope = TorchRuntime.UseThreads(target))
        {
            Assert.Equal(target, torch.get_num_threads());
            Assert.Equal(target, scope.Threads);
            using (TorchRuntime.UseThreads(before)) Assert.Equal(before, torch.get_num_threads());   // re-entrant on one thread
            Assert.Equal(target, torch.get_num_threads());
        }
        Assert.Equal(before, torch.get_num_threads());
        using (var keep = TorchRuntime.UseThreads(0)) Assert.Equal(before, keep.Threads);

        static void FailingRun(int threads)
        {
            using var scope = TorchRuntime.UseThreads(threads);
            throw new InvalidOperationException("boom");
        }
        Assert.Throws<InvalidOperationException>(() => FailingRun(target));
        Assert.Equal(before, torch.get_num_threads());
        Assert.Contains("--threads -1", Assert.Throws<ArgumentException>(() => TorchRuntime.UseThreads(-1)).Message);
    }

    [Fact]
    public void AnotherRun_WaitsUntilTheScopeEnds_AndThenRunsAtItsOwnCount()
    {
        TorchRuntime.EnsureInitialized();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var waiterInside = new ManualResetEventSlim();
        int target = torch.get_num_threads() == 1 ? 2 : 1, other = target == 1 ? 2 : 1;
        int holderSaw = -1, waiterSaw = -1;

        var holder = new Thread(() =>
        {
            using var scope = TorchRuntime.UseThreads(target);
            entered.Set();
            release.Wait(Patience);
            holderSaw = torch.get_num_threads();
        });
        var waiter = new Thread(() =>
        {
            using var scope = TorchRuntime.UseThreads(other);
            waiterInside.Set();
            waiterSaw = torch.get_num_threads();
        });

        holder.Start();
        Assert.True(entered.Wait(Patience));
        waiter.Start();
        bool waiterEnteredEarly = waiterInside.Wait(TimeSpan.FromMilliseconds(300));
        release.Set();
        Assert.True(holder.Join(Patience) && waiter.Join(Patience));

        Assert.False(waiterEnteredEarly, "a second run entered while the first held torch's thread count");
        Assert.Equal(target, holderSaw);
        Assert.Equal(other, waiterSaw);
    }

    [Fact]
    public void WaitingForTheScope_StopsWhenCancelled()
    {
        TorchRuntime.EnsureInitialized();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using var scope = TorchRuntime.UseThreads(1);
            entered.Set();
            release.Wait(Patience);
        });
        holder.Start();
        try
        {
            Assert.True(entered.Wait(Patience));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.ThrowsAny<OperationCanceledException>(() => TorchRuntime.UseThreads(1, cts.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"cancelling took {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            release.Set();
            holder.Join(Patience);
        }
    }

    [Fact]
    public void DisposingOnAnotherThread_IsRefusedWithTheReason()
    {
        var scope = TorchRuntime.UseThreads(1);
        Exception? refused = null;
        var other = new Thread(() => refused = Record.Exception(scope.Dispose));
        other.Start();
        other.Join(Patience);
        scope.Dispose();   // on the owner: releases the lock for the other tests

        Assert.IsType<InvalidOperationException>(refused);
        Assert.Contains("created on thread", refused!.Message);
        using var next = TorchRuntime.UseThreads(1);   // the lock was released
        Assert.Equal(1, next.Threads);
    }

    [Fact]
    public void ConcurrentRuns_AtDifferentCounts_GiveTheirSerialNumbers()
    {
        // A float32 sum over 4 M elements splits across threads: 1 and 2 threads give different last bits.
        static float Sum(int threads)
        {
            using var scope = TorchRuntime.UseThreads(threads);
            using var g = new torch.Generator(3);
            using var x = torch.rand(1 << 22, generator: g);
            using var s = x.sum();
            return s.item<float>();
        }
        float one = Sum(1), two = Sum(2);
        var results = new float[2][];
        var threads = new[] { 1, 2 }.Select((n, i) => new Thread(() => results[i] = Enumerable.Range(0, 6).Select(_ => Sum(n)).ToArray())).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(Patience)));

        Assert.NotEqual(one, two);   // the count matters for the numbers, which is why it is held
        Assert.All(results[0], r => Assert.Equal(one, r));
        Assert.All(results[1], r => Assert.Equal(two, r));
    }
}
