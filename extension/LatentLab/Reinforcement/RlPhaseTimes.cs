using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LatentLab.Reinforcement;

/// <summary>
/// Where an RL run's time goes: CPU seconds of the training thread (and wall seconds) per phase (rollout, advantages, the
/// loss's forward pass, backward, gradient clipping, the optimizer step, evaluation). Pass one to <see cref="Ppo.Train"/> or
/// <see cref="Grpo.Train"/> to fill it; the run's numbers do not depend on it. At one torch thread the kernels run on the
/// calling thread, so its CPU time is the run's cost whatever else loads the machine.
/// </summary>
public sealed class RlPhaseTimes
{
    readonly Dictionary<string, (double Cpu, double Wall, long Count)> _phases = new();
    readonly List<string> _order = [];

    /// <summary>The phases in the order first timed: name, thread CPU seconds, wall seconds, how many times timed.</summary>
    public IReadOnlyList<(string Phase, double CpuSeconds, double WallSeconds, long Count)> Phases =>
        _order.Select(p => (p, _phases[p].Cpu, _phases[p].Wall, _phases[p].Count)).ToList();

    /// <summary>Total thread CPU seconds over every phase.</summary>
    public double TotalCpuSeconds => _phases.Values.Sum(v => v.Cpu);

    /// <summary>Starts timing <paramref name="phase"/>; disposing the result adds the elapsed time to it.</summary>
    public Scope Time(string phase) => new(this, phase);

    /// <summary>Starts timing <paramref name="phase"/> on <paramref name="times"/> when there is one (a no-op scope otherwise).</summary>
    internal static Scope Time(RlPhaseTimes? times, string phase) => times is null ? default : times.Time(phase);

    void Add(string phase, double cpu, double wall)
    {
        if (!_phases.TryGetValue(phase, out var v)) { _order.Add(phase); v = default; }
        _phases[phase] = (v.Cpu + cpu, v.Wall + wall, v.Count + 1);
    }

    /// <summary>A table, one phase per line, with each phase's share of the CPU total.</summary>
    public override string ToString()
    {
        double total = TotalCpuSeconds;
        var lines = Phases.Select(p =>
            $"  {p.Phase,-14} {p.CpuSeconds,8:F2} s CPU {100 * p.CpuSeconds / Math.Max(total, 1e-12),5:F1}%  {p.WallSeconds,8:F2} s wall  x{p.Count}");
        return string.Join(Environment.NewLine, lines.Append($"  {"total",-14} {total,8:F2} s CPU"));
    }

    /// <summary>Thread CPU seconds (Linux: CLOCK_THREAD_CPUTIME_ID); elsewhere the process's CPU time.</summary>
    public static double ThreadCpuSeconds()
    {
        if (OperatingSystem.IsLinux() && clock_gettime(3, out var ts) == 0) return ts.Seconds + ts.Nanoseconds * 1e-9;
        return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", SetLastError = false)]
    static extern int clock_gettime(int clock, out TimeSpec time);

    /// <summary>One timed phase (a no-op when made by default).</summary>
    public readonly struct Scope : IDisposable
    {
        readonly RlPhaseTimes? _owner;
        readonly string _phase;
        readonly double _cpu0;
        readonly long _wall0;

        internal Scope(RlPhaseTimes owner, string phase)
        {
            _owner = owner;
            _phase = phase;
            _cpu0 = ThreadCpuSeconds();
            _wall0 = Stopwatch.GetTimestamp();
        }

        /// <inheritdoc />
        public void Dispose() => _owner?.Add(_phase, ThreadCpuSeconds() - _cpu0, Stopwatch.GetElapsedTime(_wall0).TotalSeconds);
    }
}
