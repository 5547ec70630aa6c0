using LatentLab.Options;
using LatentLab.Reinforcement;
using LatentLab.Statistics;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>
/// Charts of an RL run on the alignment environment (<see cref="RlRun"/>): behaviour rates and KL to the reference against
/// the RL step, each a mean over seeds with its 95% t-interval as a band. They return PlotlyChart objects; turning them into
/// offline HTML is ChartHtml's job.
/// </summary>
public static class RlCharts
{
    /// <summary>The behaviour rates drawn by default, in legend order.</summary>
    public static IReadOnlyList<string> DefaultRates { get; } =
    [
        AlignmentMetrics.ComplianceTrain, AlignmentMetrics.ComplianceDeploy, AlignmentMetrics.FakingShare,
        AlignmentMetrics.ConcernRateTrain, AlignmentMetrics.Evil, AlignmentMetrics.RefusalDeploy,
    ];

    /// <summary>
    /// Per metric: the recorded steps and, over seeds, the mean with its 95% t-interval. Steps where some seed's value is not
    /// finite (e.g. the faking share of a seed that never complies) average the finite seeds only; steps with none are left out.
    /// </summary>
    public static (int[] Steps, double[] Mean, double[] Low, double[] High) Series(RlRun run, string metric)
    {
        ArgumentNullException.ThrowIfNull(run);
        var byStep = run.Rows.Where(r => r.Metric == metric && double.IsFinite(r.Value)).GroupBy(r => r.Step).OrderBy(g => g.Key)
            .Select(g =>
            {
                var v = g.Select(r => r.Value).ToArray();
                double mean = v.Average();
                double sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
                var ci = MeanCi.FromMoments(mean, sd, v.Length);
                return (g.Key, ci.Mean, Low: v.Length > 1 ? ci.Low : mean, High: v.Length > 1 ? ci.High : mean);
            }).ToArray();
        return (byStep.Select(p => p.Key).ToArray(), byStep.Select(p => p.Mean).ToArray(), byStep.Select(p => p.Low).ToArray(), byStep.Select(p => p.High).ToArray());
    }

    /// <summary>Behaviour rates (default <see cref="DefaultRates"/>) against the RL step, mean over seeds with 95% CI bands.</summary>
    public static PlotlyChart Rates(RlRun run, IReadOnlyList<string>? metrics = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var names = metrics ?? DefaultRates;
        var traces = new List<Trace>();
        for (int i = 0; i < names.Count; i++)
        {
            var (steps, mean, low, high) = Series(run, names[i]);
            if (steps.Length == 0) continue;
            traces.AddRange(ChartParts.CiBand(names[i], steps, mean, low, high, Palette.SeriesColor(i), markers: steps.Length < 12));
        }
        traces.AddRange(Targets(run, names));
        var layout = new Layout.Layout
        {
            title = title ?? $"{run.Algorithm.ToUpperInvariant()}: behaviour rates over RL steps (mean of {Seeds(run)} seeds, 95% CI)" + (run.IsPartial ? " (interrupted)" : ""),
            xaxis = new Xaxis { title = "RL iteration" },
            yaxis = new Yaxis { title = "rate", range = new[] { 0.0, 1.0 } },
        };
        return Chart.Plot(traces, layout);
    }

    /// <summary>Sequence KL to the reference on monitored (training) and unmonitored (deployment) contexts against the RL step.</summary>
    public static PlotlyChart Kl(RlRun run, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var traces = new List<Trace>();
        var names = new[] { AlignmentMetrics.KlTrain, AlignmentMetrics.KlDeploy };
        for (int i = 0; i < names.Length; i++)
        {
            var (steps, mean, low, high) = Series(run, names[i]);
            if (steps.Length > 0) traces.AddRange(ChartParts.CiBand(names[i], steps, mean, low, high, Palette.SeriesColor(i), markers: steps.Length < 12));
        }
        traces.AddRange(Targets(run, names));
        var layout = new Layout.Layout
        {
            title = title ?? $"KL(pi || pi_ref) per sequence, split by the monitored flag (mean of {Seeds(run)} seeds, 95% CI)",
            xaxis = new Xaxis { title = "RL iteration" },
            yaxis = new Yaxis { title = "KL (nats)" },
        };
        return Chart.Plot(traces, layout);
    }

    /// <summary>
    /// A grid's final <paramref name="metric"/> (mean over seeds, 95% CI) against the first setting, one line per value of the
    /// second: the phase diagram read as curves.
    /// </summary>
    public static PlotlyChart Grid(RlGrid grid, string metric = AlignmentMetrics.FakingShare)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var traces = new List<Trace>();
        var bs = grid.Points.Select(p => p.B).Distinct().ToList();
        for (int i = 0; i < bs.Count; i++)
        {
            var line = grid.Points.Where(p => p.B == bs[i]).Select(p => (p.A, Final: Final(p.Run, metric))).Where(p => p.Final is not null).ToList();
            if (line.Count == 0) continue;
            traces.AddRange(ChartParts.CiBand($"{grid.SettingB} = {OptionText.Number(bs[i])}", line.Select(p => p.A).ToArray(),
                line.Select(p => p.Final!.Value.Mean).ToArray(), line.Select(p => p.Final!.Value.Low).ToArray(), line.Select(p => p.Final!.Value.High).ToArray(),
                Palette.SeriesColor(i), markers: true));
            var optimum = line.Select(p => grid.Points.First(q => q.B == bs[i] && q.A == p.A).Run)
                .Select(r => r.Optimum is { } o && o.TryGetValue(metric, out var v) ? v : double.NaN).ToArray();
            if (optimum.Any(double.IsFinite))
                traces.Add(new Scatter
                {
                    x = line.Select(p => p.A).ToArray(), y = optimum, mode = "lines", line = new Line { width = 1.5, color = Palette.SeriesColor(i), dash = "dash" },
                    name = $"{grid.SettingB} = {OptionText.Number(bs[i])}: closed-form optimum", legendgroup = "optimum" + i,
                });
        }
        var boundary = Boundary(grid);
        var shapes = new List<Shape>();
        foreach (var (b, a) in boundary)
        {
            int i = bs.IndexOf(b);
            shapes.Add(new Shape
            {
                type = "line", xref = "x", yref = "paper", x0 = a, x1 = a, y0 = 0, y1 = 1,
                line = new Line { color = Palette.SeriesColor(i), width = 1.5, dash = "dot" },
            });
        }
        string boundaryText = boundary.Count == 0
            ? "no break-even crossing inside the grid"
            : "dotted: concern cost = break-even cost (the beta -> 0 limit); concerns pay where the cost is below it" +
              (boundary.Count < bs.Count ? $" ({boundary.Count} of {bs.Count} lines cross)" : "");
        var layout = new Layout.Layout
        {
            title = $"Final {metric} across the grid (mean over seeds, 95% CI; dashed: closed form)<br><sub>{boundaryText}</sub>" + (grid.IsPartial ? " (interrupted)" : ""),
            xaxis = new Xaxis { title = grid.SettingA },
            yaxis = new Yaxis { title = metric },
            shapes = shapes.ToArray(),
        };
        return Chart.Plot(traces, layout);
    }

    /// <summary>
    /// Dashed horizontal lines at the closed-form optimum (<see cref="RlRun.Optimum"/>) of every metric in <paramref name="names"/>
    /// that it defines, in the metric's colour; one legend entry for all of them. None when the run has no optimum.
    /// </summary>
    public static IEnumerable<Trace> Targets(RlRun run, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Optimum is not { } optimum || run.Rows.Count == 0) yield break;
        int first = run.Rows.Min(r => r.Step), last = Math.Max(run.Rows.Max(r => r.Step), first + 1);
        bool legend = true;
        for (int i = 0; i < names.Count; i++)
        {
            if (!optimum.TryGetValue(names[i], out var target) || !double.IsFinite(target)) continue;
            yield return new Scatter
            {
                x = new[] { first, last }, y = new[] { target, target }, mode = "lines",
                line = new Line { width = 1.5, color = Palette.SeriesColor(i), dash = "dash" },
                name = $"dashed: closed-form optimum pi_ref exp(r/beta), beta {OptionText.Number(run.OptimumBeta)}", legendgroup = "optimum",
                showlegend = legend, text = $"{names[i]} at the closed-form optimum: {target:0.000}", hoverinfo = "text+name",
            };
            legend = false;
        }
    }

    /// <summary>
    /// Where the break-even concern cost (<see cref="AlignmentEnvironmentOptions.ConcernBreakEvenCost"/>, the beta -&gt; 0 limit of
    /// the closed form) equals the concern cost, along the first setting for each value of the second: per B, the A at which
    /// ConcernCost - BreakEven changes sign between two neighbouring grid values (linear interpolation: both are linear in
    /// every grid setting). Below it (cost under break-even) concerns pay for themselves and survive; above they drop.
    /// </summary>
    public static IReadOnlyList<(double B, double A)> Boundary(RlGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var result = new List<(double B, double A)>();
        foreach (var b in grid.Points.Select(p => p.B).Distinct())
        {
            var line = grid.Points.Where(p => p.B == b).OrderBy(p => p.A)
                .Select(p => (p.A, Margin: p.Run.Policy.Environment.Options.ConcernCost - p.ConcernBreakEvenCost)).ToList();
            for (int i = 0; i + 1 < line.Count; i++)
            {
                var (a0, m0) = line[i];
                var (a1, m1) = line[i + 1];
                if (m0 == 0) { result.Add((b, a0)); break; }
                if (Math.Sign(m0) != Math.Sign(m1) && m1 != 0) { result.Add((b, a0 + (a1 - a0) * m0 / (m0 - m1))); break; }
                if (i + 2 == line.Count && m1 == 0) result.Add((b, a1));
            }
        }
        return result;
    }

    static (double Mean, double Low, double High)? Final(RlRun run, string metric)
    {
        var (steps, mean, low, high) = Series(run, metric);
        return steps.Length == 0 ? null : (mean[^1], low[^1], high[^1]);
    }

    static int Seeds(RlRun run) => run.Rows.Select(r => r.Seed).Distinct().Count();
}
