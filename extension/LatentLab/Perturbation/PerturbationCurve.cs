using LatentLab.Statistics;
using Microsoft.Data.Analysis;

namespace LatentLab.Perturbation;

/// <summary>
/// Every metric of one subject against a perturbation strength (noise scale s, or fine-tuning steps k), one value per seed at
/// every grid point, with the clean values and the chance floor. Means carry 95% CIs over seeds (Student t); s50 carries a
/// bootstrap CI over seeds (<see cref="BootstrapCi"/>).
/// </summary>
public sealed class PerturbationCurve
{
    readonly double[][,] _values;   // [point] (R, M)

    /// <param name="values">[point] is a (seeds, metrics) array of that point's values.</param>
    public PerturbationCurve(string model, string perturbation, IReadOnlyList<string> metrics, string capabilityMetric, IReadOnlyList<double> clean,
        IReadOnlyList<double> chance, IReadOnlyList<double> grid, double[][,] values, int resamples = 2000, int bootstrapSeed = 0,
        bool isPartial = false, TimeSpan elapsed = default, IReadOnlyList<int>? trainingSeedOf = null, double[,]? trainingSeedClean = null)
    {
        if (clean.Count != metrics.Count || chance.Count != metrics.Count)
            throw new ArgumentException($"{metrics.Count} metrics, {clean.Count} clean and {chance.Count} chance values: give one of each per metric.");
        if (values.Length != grid.Count)
            throw new ArgumentException($"{grid.Count} grid points but values for {values.Length}: give one (seeds, metrics) array per point.");
        if (values.Any(v => v.GetLength(1) != metrics.Count || v.GetLength(0) != values[0].GetLength(0)))
            throw new ArgumentException("every point's values must be (seeds, metrics) with the same seed count.");
        Model = model;
        Perturbation = perturbation;
        Metrics = metrics;
        CapabilityMetric = capabilityMetric;
        Clean = clean;
        Chance = chance;
        Grid = grid;
        _values = values;
        Resamples = resamples;
        BootstrapSeed = bootstrapSeed;
        IsPartial = isPartial;
        Elapsed = elapsed;
        if (trainingSeedOf is not null)
        {
            int t = trainingSeedClean?.GetLength(0) ?? throw new ArgumentException("trainingSeedOf needs trainingSeedClean (one clean row per training seed).");
            if (trainingSeedClean.GetLength(1) != metrics.Count)
                throw new ArgumentException($"trainingSeedClean has {trainingSeedClean.GetLength(1)} columns for {metrics.Count} metrics.");
            if (values.Length > 0 && trainingSeedOf.Count != values[0].GetLength(0))
                throw new ArgumentException($"trainingSeedOf has {trainingSeedOf.Count} entries for {values[0].GetLength(0)} rows: give one per row.");
            if (trainingSeedOf.Any(g => g < 0 || g >= t) || Enumerable.Range(0, t).Any(g => !trainingSeedOf.Contains(g)))
                throw new ArgumentException($"trainingSeedOf must use every training seed 0..{t - 1} and nothing else.");
            _groups = Enumerable.Range(0, t).Select(g => Enumerable.Range(0, trainingSeedOf.Count).Where(r => trainingSeedOf[r] == g).ToArray()).ToArray();
            _groupClean = trainingSeedClean;
        }
    }

    readonly int[][]? _groups;        // [training seed] rows of that training seed
    readonly double[,]? _groupClean;  // (T, M) clean values per training seed

    /// <summary>
    /// Pools one curve per training seed (e.g. the 16 policies of one RL run, each swept with its own noise draws) into one
    /// curve: the mean over training seeds and their noise seeds, with s50 intervals from a hierarchical bootstrap (resample
    /// training seeds, then noise seeds within each). Every curve must have the same metrics, grid and noise-seed count.
    /// </summary>
    public static PerturbationCurve PoolTrainingSeeds(string model, IReadOnlyList<PerturbationCurve> perTrainingSeed)
    {
        ArgumentNullException.ThrowIfNull(perTrainingSeed);
        if (perTrainingSeed.Count == 0) throw new ArgumentException("no curves to pool: give one per training seed.", nameof(perTrainingSeed));
        var first = perTrainingSeed[0];
        foreach (var c in perTrainingSeed)
            if (!c.Metrics.SequenceEqual(first.Metrics) || c.Seeds != first.Seeds || c.TrainingSeeds != 1)
                throw new ArgumentException($"curve '{c.Model}' differs from '{first.Model}' in its metrics or noise-seed count (or is already pooled): pool curves of one sweep.");
        int points = perTrainingSeed.Min(c => c.Grid.Count);
        for (int p = 0; p < points; p++)
            if (perTrainingSeed.Any(c => c.Grid[p] != first.Grid[p]))
                throw new ArgumentException("the curves have different noise grids: pool curves swept with the same options.");
        int t = perTrainingSeed.Count, r = first.Seeds, m = first.Metrics.Count;
        var values = new double[points][,];
        for (int p = 0; p < points; p++)
        {
            values[p] = new double[t * r, m];
            for (int g = 0; g < t; g++)
                for (int i = 0; i < r; i++)
                    for (int j = 0; j < m; j++) values[p][g * r + i, j] = perTrainingSeed[g]._values[p][i, j];
        }
        var cleanRows = new double[t, m];
        for (int g = 0; g < t; g++) for (int j = 0; j < m; j++) cleanRows[g, j] = perTrainingSeed[g].Clean[j];
        var clean = Enumerable.Range(0, m).Select(j => perTrainingSeed.Average(c => c.Clean[j])).ToArray();
        var chance = Enumerable.Range(0, m).Select(j => perTrainingSeed.Average(c => c.Chance[j])).ToArray();
        var groups = Enumerable.Range(0, t * r).Select(i => i / r).ToArray();
        return new PerturbationCurve(model, first.Perturbation, first.Metrics, first.CapabilityMetric, clean, chance, first.Grid.Take(points).ToArray(),
            values, first.Resamples, first.BootstrapSeed, perTrainingSeed.Any(c => c.IsPartial) || perTrainingSeed.Any(c => c.Grid.Count > points),
            TimeSpan.FromTicks(perTrainingSeed.Sum(c => c.Elapsed.Ticks)), groups, cleanRows);
    }

    /// <summary>The same curve marked partial (e.g. fewer training seeds pooled than asked for).</summary>
    public PerturbationCurve AsPartial() => new(Model, Perturbation, Metrics, CapabilityMetric, Clean, Chance, Grid, _values, Resamples, BootstrapSeed,
        true, Elapsed, _groups is null ? null : Enumerable.Range(0, Seeds).Select(r => Array.FindIndex(_groups, g => g.Contains(r))).ToArray(), _groupClean);

    /// <summary>Training seeds (networks) pooled in this curve: 1 unless built by <see cref="PoolTrainingSeeds"/>.</summary>
    public int TrainingSeeds => _groups?.Length ?? 1;

    /// <summary>Noise seeds per training seed.</summary>
    public int NoiseSeeds => _groups is null ? Seeds : _groups[0].Length;

    /// <summary>What the s50 intervals resample, for tables: "noise seeds (64)" or "training seeds (16), then noise seeds (64) within each".</summary>
    public string CiOver => _groups is null
        ? $"noise seeds ({Seeds})"
        : $"training seeds ({TrainingSeeds}), then noise seeds ({NoiseSeeds}) within each (hierarchical bootstrap)";

    /// <summary>The subject's name.</summary>
    public string Model { get; }
    /// <summary>What was perturbed, e.g. "weights, scope all" or "fine-tune: target".</summary>
    public string Perturbation { get; }
    /// <summary>Metric names (columns).</summary>
    public IReadOnlyList<string> Metrics { get; }
    /// <summary>The capability metric (denominator of <see cref="SpecificityRatio"/>).</summary>
    public string CapabilityMetric { get; }
    /// <summary>Clean value of each metric.</summary>
    public IReadOnlyList<double> Clean { get; }
    /// <summary>Chance value of each metric.</summary>
    public IReadOnlyList<double> Chance { get; }
    /// <summary>The grid: noise scales s (or step counts k), increasing.</summary>
    public IReadOnlyList<double> Grid { get; }
    /// <summary>Seeds (noise draws, or demonstration sets) per grid point.</summary>
    public int Seeds => _values.Length == 0 ? 0 : _values[0].GetLength(0);
    /// <summary>Bootstrap resamples of the s50 intervals.</summary>
    public int Resamples { get; }
    /// <summary>Seed of the bootstrap.</summary>
    public int BootstrapSeed { get; }
    /// <summary>True when the sweep was interrupted (the grid holds only the points done).</summary>
    public bool IsPartial { get; }
    /// <summary>Wall time of the sweep.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Index of <paramref name="metric"/>; throws naming the metrics when unknown.</summary>
    public int MetricIndex(string metric)
    {
        for (int j = 0; j < Metrics.Count; j++) if (Metrics[j] == metric) return j;
        throw new ArgumentException($"unknown metric '{metric}': this curve has {string.Join(", ", Metrics)}.", nameof(metric));
    }

    /// <summary>The value of <paramref name="metric"/> for noise seed <paramref name="seed"/> at grid point <paramref name="point"/>.</summary>
    public double Value(int point, int seed, string metric) => _values[point][seed, MetricIndex(metric)];

    /// <summary>The values of every seed at one point.</summary>
    public double[] Values(int point, string metric)
    {
        int j = MetricIndex(metric);
        return Enumerable.Range(0, Seeds).Select(r => _values[point][r, j]).ToArray();
    }

    /// <summary>Mean over seeds with its 95% CI (Student t) at every grid point.</summary>
    public IReadOnlyList<MeanCi> MeanCurve(string metric)
    {
        int j = MetricIndex(metric);
        return Enumerable.Range(0, Grid.Count).Select(p =>
        {
            var v = Enumerable.Range(0, Seeds).Select(r => _values[p][r, j]).ToArray();
            double mean = v.Average();
            double sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
            return MeanCi.FromMoments(mean, sd, v.Length);
        }).ToArray();
    }

    /// <summary>s50 (k50) of <paramref name="metric"/> with its bootstrap CI over seeds.</summary>
    public HalfwayEstimate Halfway(string metric)
    {
        int j = MetricIndex(metric);
        double clean = Clean[j], chance = Chance[j];
        if (Grid.Count == 0) return new HalfwayEstimate(metric, double.NaN, double.NaN, double.NaN, clean, chance, HalfwayStatus.NotReached, Seeds);
        var (value, status) = HalfwayPoint.Find(Grid, MeanOver(j, AllSeeds()), clean, chance);
        if (status is HalfwayStatus.NotReached or HalfwayStatus.AtChance || Seeds < 2)
            return new HalfwayEstimate(metric, value, double.NaN, double.NaN, clean, chance, status, Seeds);
        var (low, high) = _groups is null
            ? BootstrapCi.Of(AllSeedsAsValues(), sample => Censored(j, sample), Resamples, BootstrapSeed)
            : Hierarchical((rows, cl) => Censored(j, rows, cl[j]));
        return new HalfwayEstimate(metric, value, low, high, clean, chance, status, Seeds);
    }

    /// <summary>
    /// The specificity ratio s50(metric) / s50(capability), with a bootstrap CI over the same resampled seeds (paired). Below 1:
    /// the behaviour is shallower than the capability. NaN when either s50 is undefined.
    /// </summary>
    public (double Ratio, double Low, double High) SpecificityRatio(string metric)
    {
        int j = MetricIndex(metric), c = MetricIndex(CapabilityMetric);
        var a = Halfway(metric);
        var b = Halfway(CapabilityMetric);
        if (double.IsNaN(a.Value) || double.IsNaN(b.Value) || Seeds < 2) return (double.NaN, double.NaN, double.NaN);
        var (low, high) = _groups is null
            ? BootstrapCi.Of(AllSeedsAsValues(), sample => Censored(j, sample) / Censored(c, sample), Resamples, BootstrapSeed)
            : Hierarchical((rows, cl) => Censored(j, rows, cl[j]) / Censored(c, rows, cl[c]));
        return (a.Value / b.Value, low, high);
    }

    /// <summary>
    /// Tice et al.'s improvement ratio per seed: the best value on the grid over the clean value; reported as its max and its
    /// mean over seeds, with the seed count (the max grows with the number of seeds). NaN when the clean value is 0.
    /// </summary>
    public (double Max, double Mean, int Seeds) ImprovementRatio(string metric)
    {
        int j = MetricIndex(metric);
        if (Clean[j] == 0 || Grid.Count == 0) return (double.NaN, double.NaN, Seeds);
        var ratios = Enumerable.Range(0, Seeds).Select(r => Enumerable.Range(0, Grid.Count).Max(p => _values[p][r, j]) / Clean[j]).ToArray();
        return (ratios.Max(), ratios.Average(), Seeds);
    }

    double Censored(int metric, IReadOnlyList<double> seedIndices) =>
        Censored(metric, seedIndices.Select(x => (int)x).ToArray(), Clean[metric]);

    double Censored(int metric, IReadOnlyList<int> rows, double clean)
    {
        var (v, status) = HalfwayPoint.Find(Grid, MeanOver(metric, rows), clean, Chance[metric]);
        return status is HalfwayStatus.NotReached or HalfwayStatus.AtChance ? Grid[^1] : v;
    }

    /// <summary>
    /// Percentile interval of <paramref name="statistic"/>(rows, clean) over hierarchical resamples: T training seeds drawn with
    /// replacement, then for each drawn seed its noise seeds drawn with replacement; clean is the mean of the drawn seeds' clean values.
    /// </summary>
    (double Low, double High) Hierarchical(Func<int[], double[], double> statistic)
    {
        var groups = _groups!;
        int t = groups.Length, m = Metrics.Count;
        var rng = new Random(BootstrapSeed);
        var stats = new double[Resamples];
        for (int b = 0; b < Resamples; b++)
        {
            var rows = new List<int>();
            var clean = new double[m];
            for (int i = 0; i < t; i++)
            {
                int g = rng.Next(t);
                var members = groups[g];
                for (int r = 0; r < members.Length; r++) rows.Add(members[rng.Next(members.Length)]);
                for (int j = 0; j < m; j++) clean[j] += _groupClean![g, j] / t;
            }
            stats[b] = statistic([.. rows], clean);
        }
        Array.Sort(stats);
        return (BootstrapCi.Quantile(stats, 0.025), BootstrapCi.Quantile(stats, 0.975));
    }

    int[] AllSeeds() => Enumerable.Range(0, Seeds).ToArray();

    double[] AllSeedsAsValues() => Enumerable.Range(0, Seeds).Select(i => (double)i).ToArray();

    double[] MeanOver(int metric, IReadOnlyList<int> seeds) =>
        Enumerable.Range(0, Grid.Count).Select(p => seeds.Average(r => _values[p][r, metric])).ToArray();

    /// <summary>
    /// Every number: columns model, metric, stat, scale, mean, ci_low, ci_high. stat "clean" (scale 0), "chance", "mean"
    /// (one row per grid point: mean over seeds and its 95% CI), "s50" (mean = s50, its bootstrap CI; scale NaN) and
    /// "specificity" (s50(metric) / s50(capability) with its CI), "improvement_max" and "improvement_mean" (Tice's ratio, no CI);
    /// seeds is the number of noise seeds (demonstration sets) behind every row (per training seed), training_seeds the number
    /// of networks pooled (1 unless <see cref="PoolTrainingSeeds"/>), s50_ci_over what the s50 and specificity intervals resample
    /// (noise seeds, or training seeds then noise seeds: <see cref="CiOver"/>). The mean rows' t-CIs are over all rows pooled.
    /// </summary>
    public DataFrame ToDataFrame() => ToDataFrame([this]);

    /// <summary>One table for several curves (e.g. a pre-RL and a post-RL policy on the same draws).</summary>
    public static DataFrame ToDataFrame(IEnumerable<PerturbationCurve> curves)
    {
        var model = new List<string>(); var metric = new List<string>(); var stat = new List<string>();
        var scale = new List<double>(); var mean = new List<double>(); var low = new List<double>(); var high = new List<double>();
        var seeds = new List<int>(); var trainingSeeds = new List<int>(); var ciOver = new List<string>();
        int n = 0, nt = 1;
        string over = "";
        void Add(string m, string me, string st, double sc, double mu, double lo, double hi)
        {
            model.Add(m); metric.Add(me); stat.Add(st); scale.Add(sc); mean.Add(mu); low.Add(lo); high.Add(hi); seeds.Add(n);
            trainingSeeds.Add(nt); ciOver.Add(over);
        }
        foreach (var c in curves)
            for (int j = 0; j < c.Metrics.Count; j++)
            {
                n = c.NoiseSeeds;
                nt = c.TrainingSeeds;
                over = c.CiOver;
                var name = c.Metrics[j];
                Add(c.Model, name, "clean", 0, c.Clean[j], c.Clean[j], c.Clean[j]);
                Add(c.Model, name, "chance", double.NaN, c.Chance[j], c.Chance[j], c.Chance[j]);
                var curve = c.MeanCurve(name);
                for (int p = 0; p < c.Grid.Count; p++) Add(c.Model, name, "mean", c.Grid[p], curve[p].Mean, curve[p].Low, curve[p].High);
                var h = c.Halfway(name);
                Add(c.Model, name, "s50", double.NaN, h.Value, h.Low, h.High);
                var r = c.SpecificityRatio(name);
                Add(c.Model, name, "specificity", double.NaN, r.Ratio, r.Low, r.High);
                var imp = c.ImprovementRatio(name);
                Add(c.Model, name, "improvement_max", double.NaN, imp.Max, double.NaN, double.NaN);
                Add(c.Model, name, "improvement_mean", double.NaN, imp.Mean, double.NaN, double.NaN);
            }
        return new DataFrame(
            new StringDataFrameColumn("model", model), new StringDataFrameColumn("metric", metric), new StringDataFrameColumn("stat", stat),
            new DoubleDataFrameColumn("scale", scale), new DoubleDataFrameColumn("mean", mean),
            new DoubleDataFrameColumn("ci_low", low), new DoubleDataFrameColumn("ci_high", high), new Int32DataFrameColumn("seeds", seeds),
            new Int32DataFrameColumn("training_seeds", trainingSeeds), new StringDataFrameColumn("s50_ci_over", ciOver));
    }

    public override string ToString() =>
        $"PerturbationCurve {Model} ({Perturbation}): {Metrics.Count} metrics x {Grid.Count} points x " +
        (TrainingSeeds > 1 ? $"{TrainingSeeds} training seeds x {NoiseSeeds} noise seeds" : $"{Seeds} seeds") +
        (IsPartial ? " PARTIAL (interrupted)" : "") + $", {Elapsed.TotalSeconds:F2} s";
}
