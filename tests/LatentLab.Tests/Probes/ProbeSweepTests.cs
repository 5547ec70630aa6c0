using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Probes;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Tests.Probes;

public class ProbeSweepTests
{
    static readonly torch.Device Cpu = torch.CPU;

    static ActivationSet Planted(Func<int, int, bool> lit, int n = 200, int l = 3, int p = 5, int d = 6, int classes = 2, int[]? groups = null, float[]? baseline = null, int[]? lengths = null)
    {
        TorchRuntime.EnsureInitialized();
        var (data, labels) = PlantedData.Make(n, l, p, d, lit, classes);
        return ActivationSet.FromArray(data, n, l, p, d, labels, groups, baseline, baseline is null ? 0 : classes, lengths);
    }

    [Fact]
    public void PlantedSignal_LightsTheRightCells_AndLeavesTheRestAtChance()
    {
        // Signal only at layer 1, positions 3 and 4.
        using var set = Planted((l, p) => l == 1 && p >= 3);
        var r = ProbeSweep.Run(set, new ProbeSweepOptions(), Cpu);
        Assert.Equal(15, r.Cells.Count);
        Assert.False(r.IsPartial);
        foreach (var c in r.Cells)
        {
            if (c.Layer == 1 && c.Position >= 3)
            {
                Assert.True(c.Accuracy > 0.9, $"lit cell {c.Layer},{c.Position}: {c.Accuracy}");
                Assert.True(c.Selectivity > 0.3, $"selectivity {c.Selectivity}");
            }
            else
            {
                Assert.True(c.Accuracy < 0.66, $"dark cell {c.Layer},{c.Position}: {c.Accuracy}");
                Assert.True(c.AccuracyCiLow < 0.5 + 0.08, $"dark cell CI {c.AccuracyCiLow}");
            }
            Assert.True(c.ControlAccuracy is > 0.3 and < 0.7, $"control {c.ControlAccuracy}");
            Assert.InRange(c.Accuracy, c.AccuracyCiLow, c.AccuracyCiHigh);
            Assert.Equal(200, c.Questions);
        }
        Assert.Equal(1, r.BestLayer);
        Assert.Equal(1.0, r.ConvergedFraction);
    }

    [Fact]
    public void ThreeClasses_UseTheMultinomialProbe()
    {
        using var set = Planted((l, p) => p == 1, n: 150, l: 1, p: 2, d: 5, classes: 3);
        var r = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3 }, Cpu);
        Assert.True(r.Cell(0, 1)!.Accuracy > 0.85, $"lit: {r.Cell(0, 1)!.Accuracy}");
        Assert.True(r.Cell(0, 0)!.Accuracy < 0.5, $"dark: {r.Cell(0, 0)!.Accuracy} (chance 1/3)");
        Assert.Equal(1.0 / 3, r.ChanceAccuracy, 6);
    }

    [Fact]
    public void Solver_MatchesAnIndependentDoublePrecisionNewtonSolve()
    {
        // One binary problem: n = 60, d = 3, standardised, C = 1, intercept unpenalised.
        TorchRuntime.EnsureInitialized();
        var rng = new Random(3);
        int n = 60, d = 3;
        var x = new double[n, d];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.Next(2);
            for (int j = 0; j < d; j++) x[i, j] = rng.NextDouble() * 2 - 1 + (j == 0 ? 0.8 * y[i] : 0);
        }
        var reference = NewtonLogistic(x, y, 1.0);
        var xa = new float[n * (d + 1)];
        for (int i = 0; i < n; i++) { for (int j = 0; j < d; j++) xa[i * (d + 1) + j] = (float)x[i, j]; xa[i * (d + 1) + d] = 1; }
        using var scope = torch.NewDisposeScope();
        var fit = BatchedLogisticRegression.Solve(
            torch.tensor(xa, [1, n, d + 1]), torch.ones(1, n, 1), torch.tensor(y.Select(v => (long)v).ToArray(), [n, 1]),
            torch.tensor(new float[] { 1, 1, 1, 0 }, [1, d + 1, 1]), 2, 1.0, 500, 1e-6, CancellationToken.None);
        var theta = fit.Theta.reshape(-1).data<float>().ToArray();
        for (int j = 0; j <= d; j++) Assert.True(Math.Abs(theta[j] - reference[j]) < 2e-3, $"theta[{j}] {theta[j]} vs Newton {reference[j]}");
    }

    /// <summary>Plain Newton-Raphson in double precision: minimise sum log-loss + ||w||^2 / (2C), intercept (last) free.</summary>
    static double[] NewtonLogistic(double[,] x, int[] y, double c)
    {
        int n = x.GetLength(0), d = x.GetLength(1), m = d + 1;
        var w = new double[m];
        for (int iter = 0; iter < 50; iter++)
        {
            var g = new double[m];
            var h = new double[m, m];
            for (int i = 0; i < n; i++)
            {
                var xi = Enumerable.Range(0, m).Select(j => j < d ? x[i, j] : 1.0).ToArray();
                double z = xi.Select((v, j) => v * w[j]).Sum(), p = 1 / (1 + Math.Exp(-z));
                for (int a = 0; a < m; a++) { g[a] += (p - y[i]) * xi[a]; for (int b = 0; b < m; b++) h[a, b] += p * (1 - p) * xi[a] * xi[b]; }
            }
            for (int a = 0; a < d; a++) { g[a] += w[a] / c; h[a, a] += 1 / c; }
            var step = SolveLinear(h, g);
            for (int a = 0; a < m; a++) w[a] -= step[a];
        }
        return w;
    }

    static double[] SolveLinear(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var v = (double[])b.Clone();
        for (int k = 0; k < n; k++)
        {
            for (int i = k + 1; i < n; i++)
            {
                double f = m[i, k] / m[k, k];
                for (int j = k; j < n; j++) m[i, j] -= f * m[k, j];
                v[i] -= f * v[k];
            }
        }
        var xs = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = v[i];
            for (int j = i + 1; j < n; j++) s -= m[i, j] * xs[j];
            xs[i] = s / m[i, i];
        }
        return xs;
    }

    [Fact]
    public void BaselineAccuracy_IsArgmaxOfTheLetterScores_PerPosition()
    {
        int n = 40, p = 3;
        var (_, labels) = PlantedData.Make(n, 1, p, 2, (_, _) => false);
        // scores (N, P, 2): position 0 always says class 0; position 2 says the true label; position 1 is right for the first 30 questions.
        var scores = new float[n * p * 2];
        for (int i = 0; i < n; i++)
        {
            scores[(i * p + 0) * 2 + 0] = 1;
            scores[(i * p + 1) * 2 + (i < 30 ? labels[i] : 1 - labels[i])] = 1;
            scores[(i * p + 2) * 2 + labels[i]] = 1;
        }
        var (data, _) = PlantedData.Make(n, 1, p, 2, (_, _) => false);
        TorchRuntime.EnsureInitialized();
        using var set = ActivationSet.FromArray(data, n, 1, p, 2, labels, baselineScores: scores, baselineClasses: 2);
        var r = ProbeSweep.Run(set, new ProbeSweepOptions { Control = false }, Cpu);
        Assert.Equal(labels.Count(x => x == 0) / (double)n, r.Cell(0, 0)!.BaselineAccuracy, 9);
        Assert.Equal(30.0 / 40, r.Cell(0, 1)!.BaselineAccuracy, 9);
        Assert.Equal(1.0, r.Cell(0, 2)!.BaselineAccuracy, 9);
        Assert.True(double.IsNaN(r.Cell(0, 0)!.ControlAccuracy));
    }

    [Fact]
    public void SameSeed_SameNumbers_OtherSeed_OtherFolds()
    {
        using var set = Planted((l, p) => p >= 2, n: 120, l: 2, p: 3, d: 4);
        var a = ProbeSweep.Run(set, new ProbeSweepOptions { Seed = 5 }, Cpu);
        var b = ProbeSweep.Run(set, new ProbeSweepOptions { Seed = 5 }, Cpu);
        var c = ProbeSweep.Run(set, new ProbeSweepOptions { Seed = 6 }, Cpu);
        Assert.Equal(a.Cells, b.Cells);
        Assert.Equal(a.FoldAssignment, b.FoldAssignment);
        Assert.NotEqual(a.FoldAssignment, c.FoldAssignment);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]   // the blocks (one column each) solved on the sweep's two threads
    public void Interrupt_KeepsFinishedLayers_AndSaysPartial(int threads)
    {
        using var set = Planted((l, p) => true, n: 80, l: 4, p: 2, d: 3);
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress<SweepProgress>(pr => { if (pr.LayersDone == 2) cts.Cancel(); });
        int before = torch.get_num_threads();
        var r = ProbeSweep.Run(set, new ProbeSweepOptions { MaxBatchBytes = 0, BlockBytes = 1, Threads = threads }, Cpu, progress, cts.Token); // one layer at a time
        Assert.Equal(before, torch.get_num_threads());   // the caller's count is restored
        Assert.True(r.IsPartial);
        Assert.Equal(new[] { 0, 1 }, r.CompletedLayers);
        Assert.Equal(4, r.Cells.Count);
        Assert.Equal(2, progress.Reports.Count);
        Assert.Equal(4, progress.Reports[^1].CellsDone);
    }

    [Fact]
    public void LayersSolvedTogether_GiveTheSameCellsAsOneAtATime()
    {
        using var set = Planted((l, p) => l >= 1 && p >= 1, n: 100, l: 3, p: 3, d: 4);
        var together = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3 }, Cpu);
        var alone = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, MaxBatchBytes = 0 }, Cpu);
        Assert.Equal(alone.Cells.Count, together.Cells.Count);
        for (int i = 0; i < alone.Cells.Count; i++)
        {
            Assert.Equal(alone.Cells[i].Layer, together.Cells[i].Layer);
            Assert.Equal(alone.Cells[i].Position, together.Cells[i].Position);
            // Same optimum; the batch only changes when the shared loop stops, so allow a question or two to flip.
            Assert.True(Math.Abs(alone.Cells[i].Accuracy - together.Cells[i].Accuracy) <= 0.02, $"cell {i}: {alone.Cells[i].Accuracy} vs {together.Cells[i].Accuracy}");
        }
    }

    [Fact]
    public void KernelForm_GivesTheCellsOfThePrimalForm_WhenTheWidthExceedsTheTrainingCount()
    {
        // d = 90 > n_train = 40 (3 folds of 60): the kernel form solves the same objective as the primal (auto) form.
        using var set = Planted((l, p) => p >= 1, n: 60, l: 2, p: 3, d: 90);
        var auto = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, Tolerance = 1e-6, MaxIterations = 2000 }, Cpu);
        var kernel = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, Tolerance = 1e-6, MaxIterations = 2000, SolverForm = ProbeSolverForm.Kernel }, Cpu);
        var primal = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, Tolerance = 1e-6, MaxIterations = 2000, SolverForm = ProbeSolverForm.Primal }, Cpu);
        Assert.Equal(primal.Cells.Count, kernel.Cells.Count);
        for (int i = 0; i < primal.Cells.Count; i++)
        {
            Assert.Equal(primal.Cells[i].Accuracy, auto.Cells[i].Accuracy);
            // The same optimum reached by two solvers in float32: a held-out question or two near the boundary may flip.
            Assert.True(Math.Abs(primal.Cells[i].Accuracy - kernel.Cells[i].Accuracy) <= 2.0 / 60, $"cell {i}: primal {primal.Cells[i].Accuracy} vs kernel {kernel.Cells[i].Accuracy}");
            Assert.True(Math.Abs(primal.Cells[i].ControlAccuracy - kernel.Cells[i].ControlAccuracy) <= 2.0 / 60, $"cell {i} control: primal {primal.Cells[i].ControlAccuracy} vs kernel {kernel.Cells[i].ControlAccuracy}");
        }
        double lit = kernel.Cells.Where(c => c.Position >= 1).Average(c => c.Accuracy), dark = kernel.Cells.Where(c => c.Position == 0).Average(c => c.Accuracy);
        Assert.True(lit >= dark + 0.2, $"the planted cells light up in the kernel form: {lit:F3} vs {dark:F3} at chance");
    }

    [Fact]
    public void KernelForm_HandlesColumnsSomeQuestionsLack()
    {
        // Variable lengths: column 2 exists for the questions of length 3 only; their rows get zero weight in the kernel.
        var lengths = Enumerable.Range(0, 60).Select(i => i % 3 == 0 ? 2 : 3).ToArray();
        TorchRuntime.EnsureInitialized();
        var (data, labels) = PlantedData.Make(60, 1, 3, 70, (l, p) => true);
        using var set = ActivationSet.FromArray(data, 60, 1, 3, 70, labels, null, null, 0, lengths);
        var kernel = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, SolverForm = ProbeSolverForm.Kernel, Tolerance = 1e-6, MaxIterations = 2000 }, Cpu);
        var primal = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, SolverForm = ProbeSolverForm.Primal, Tolerance = 1e-6, MaxIterations = 2000 }, Cpu);
        Assert.Equal(40, kernel.Cell(0, 2)!.Questions);
        for (int i = 0; i < primal.Cells.Count; i++)
            Assert.True(Math.Abs(primal.Cells[i].Accuracy - kernel.Cells[i].Accuracy) <= 2.0 / 40, $"cell {i}: primal {primal.Cells[i].Accuracy} vs kernel {kernel.Cells[i].Accuracy}");
    }

    [Fact]
    public void SolvedInBlocks_GivesTheSameCellsAsOneBatch()
    {
        using var set = Planted((l, p) => l >= 1 && p >= 2, n: 100, l: 2, p: 6, d: 5);
        var one = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, BlockBytes = 0 }, Cpu);
        var blocks = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, BlockBytes = 1 }, Cpu); // one column per block
        for (int i = 0; i < one.Cells.Count; i++)
        {
            Assert.Equal(one.Cells[i].Accuracy, blocks.Cells[i].Accuracy);
            Assert.Equal(one.Cells[i].ControlAccuracy, blocks.Cells[i].ControlAccuracy);
        }
    }

    [Fact]
    public void BlocksSharedOutOverThreads_GiveTheCellsOfOneThread_AndRepeatExactly()
    {
        // Two threads solve the one-column blocks concurrently (each torch single-threaded); three threads with 7 blocks
        // leave a thread one block short. The held-out counts must equal the 1-thread sweep's, and repeat bit for bit.
        using var set = Planted((l, p) => l >= 1 && p >= 2, n: 120, l: 2, p: 7, d: 5);
        var one = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, BlockBytes = 1, Threads = 1 }, Cpu);
        foreach (int threads in new[] { 2, 3 })
        {
            var a = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, BlockBytes = 1, Threads = threads }, Cpu);
            var b = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3, BlockBytes = 1, Threads = threads }, Cpu);
            Assert.Equal(one.Cells.Count, a.Cells.Count);
            for (int i = 0; i < one.Cells.Count; i++)
            {
                Assert.Equal(one.Cells[i].Correct, a.Cells[i].Correct);
                Assert.Equal(one.Cells[i].ControlAccuracy, a.Cells[i].ControlAccuracy);
                Assert.Equal(a.Cells[i].Accuracy, b.Cells[i].Accuracy);
                Assert.Equal(a.Cells[i].ControlAccuracy, b.Cells[i].ControlAccuracy);
            }
            Assert.Equal(one.MaxIterationsUsed, a.MaxIterationsUsed);
            Assert.Equal(one.ConvergedFraction, a.ConvergedFraction);
        }
    }

    [Fact]
    public void Solver_ActiveSet_DroppingConvergedColumnsLeavesTheOthersUnchanged()
    {
        // Column 0 is easy (converges early, then leaves the batch), column 1 is nearly separable (many iterations).
        TorchRuntime.EnsureInitialized();
        using var scope = torch.NewDisposeScope();
        var rng = new Random(5);
        int n = 80, d = 6;
        var xs = new float[2 * n * (d + 1)];
        var y = new long[n];
        for (int i = 0; i < n; i++) y[i] = i % 2;
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < d; j++) xs[(c * n + i) * (d + 1) + j] = (float)(rng.NextDouble() * 2 - 1 + (c == 1 && j == 0 ? 3 * (2 * y[i] - 1) : 0));
                xs[(c * n + i) * (d + 1) + d] = 1;
            }
        var x = torch.tensor(xs, [2, n, d + 1]);
        var labels = torch.tensor(y, [n, 1]);
        var pen = torch.cat([torch.ones(2, d, 1), torch.zeros(2, 1, 1)], 1);
        var both = BatchedLogisticRegression.Solve(x, torch.ones(2, n, 1), labels, pen, 2, 1.0, 500, 1e-5, CancellationToken.None);
        var alone = BatchedLogisticRegression.Solve(x.narrow(0, 1, 1).contiguous(), torch.ones(1, n, 1), labels, pen.narrow(0, 1, 1), 2, 1.0, 500, 1e-5, CancellationToken.None);
        Assert.True(both.Converged.all().item<bool>());
        var a = both.Theta[1].reshape(-1).data<float>().ToArray();
        var b = alone.Theta[0].reshape(-1).data<float>().ToArray();
        for (int j = 0; j < a.Length; j++) Assert.True(Math.Abs(a[j] - b[j]) <= 1e-5 * (1 + Math.Abs(b[j])), $"theta[{j}] {a[j]} in the batch vs {b[j]} alone");
    }

    [Fact]
    public void ToDataFrame_HasExactlyTheDesignColumns_OneRowPerCell()
    {
        using var set = Planted((l, p) => p == 1, n: 60, l: 2, p: 2, d: 3);
        var r = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3 }, Cpu);
        var df = r.ToDataFrame();
        Assert.Equal(new[] { "layer", "position", "accuracy", "accuracy_ci_low", "accuracy_ci_high", "control_accuracy", "selectivity", "baseline_accuracy" },
            df.Columns.Select(c => c.Name));
        Assert.Equal(4, df.Rows.Count);
        Assert.Equal(r.Cells[3].Accuracy, (double)df["accuracy"][3]);
        Assert.Equal(r.Cells[3].Layer, (int)df["layer"][3]);
    }

    [Fact]
    public void VariableLengths_AlignEnd_CountsOnlyQuestionsThatHaveTheToken()
    {
        // P = 5 stored positions; chains of length 3 or 5. The signal sits at each chain's last token.
        int n = 120, p = 5, d = 4;
        var lengths = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 3 : 5).ToArray();
        var (data, labels) = PlantedData.Make(n, 1, p, d, (_, _) => false);
        for (int i = 0; i < n; i++) data[(i * p + lengths[i] - 1) * d + labels[i]] += 4f;
        TorchRuntime.EnsureInitialized();
        using var set = ActivationSet.FromArray(data, n, 1, p, d, labels, lengths: lengths);
        var end = ProbeSweep.Run(set, new ProbeSweepOptions { Align = PositionAlignment.End, Folds = 3 }, Cpu);
        Assert.Equal(new[] { -5, -4, -3, -2, -1 }, end.Positions);
        Assert.True(end.Cell(0, -1)!.Accuracy > 0.9);
        Assert.Equal(n, end.Cell(0, -1)!.Questions);
        Assert.Equal(n / 2, end.Cell(0, -5)!.Questions);
        var start = ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 3 }, Cpu);
        Assert.Equal(n / 2, start.Cell(0, 4)!.Questions);
        Assert.True(start.Cell(0, 2)!.Accuracy is > 0.6 and < 0.9, $"start 2: {start.Cell(0, 2)!.Accuracy} (half the chains end there)");
        var bins = ProbeSweep.Run(set, new ProbeSweepOptions { Bins = 2, Folds = 3 }, Cpu);
        Assert.Equal(new[] { 0, 1 }, bins.Positions);
        Assert.True(bins.Cell(0, 1)!.Accuracy > 0.85, $"last bin {bins.Cell(0, 1)!.Accuracy}");
    }

    [Fact]
    public void SweepOfAMemoryMappedFile_EqualsTheSweepOfTheSameNumbersInMemory()
    {
        using var tmp = new TempFolder();
        int n = 90, l = 2, p = 3, d = 4;
        var (data, labels) = PlantedData.Make(n, l, p, d, (a, b) => b == 2);
        NpyFile.Write(tmp.File("acts.npy"), data, n, l, p, d);
        File.WriteAllLines(tmp.File("labels.txt"), labels.Select(x => x.ToString()));
        using var mapped = ActivationSet.Load(tmp.File("acts.npy"), tmp.File("labels.txt"));
        TorchRuntime.EnsureInitialized();
        using var memory = ActivationSet.FromArray(data, n, l, p, d, labels);
        var a = ProbeSweep.Run(mapped, new ProbeSweepOptions { Folds = 3 }, Cpu);
        var b = ProbeSweep.Run(memory, new ProbeSweepOptions { Folds = 3 }, Cpu);
        Assert.Equal(b.Cells, a.Cells);
        Assert.True(a.Cell(1, 2)!.Accuracy > 0.9);
    }

    [Fact]
    public void InfInAFile_StopsTheSweepWithTheFileAndPlace()
    {
        using var tmp = new TempFolder();
        int n = 40, l = 2, p = 2, d = 3;
        var (data, labels) = PlantedData.Make(n, l, p, d, (_, _) => true);
        data[((7 * l + 1) * p + 1) * d + 2] = float.NaN; // question 7, layer 1, position 1, dim 2
        NpyFile.Write(tmp.File("nan.npy"), data, n, l, p, d);
        File.WriteAllLines(tmp.File("labels.txt"), labels.Select(x => x.ToString()));
        using var set = ActivationSet.Load(tmp.File("nan.npy"), tmp.File("labels.txt"));
        var e = Assert.Throws<ActivationFileException>(() => ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 2 }, Cpu));
        Assert.Contains("nan.npy", e.Message);
        Assert.Contains("layer 1 holds NaN at question 7, position 1, dim 2", e.Message);
    }

    [Fact]
    public void BadOptions_FailWithTheOptionName()
    {
        using var set = Planted((l, p) => true, n: 20, l: 1, p: 2, d: 2);
        Assert.Contains("--folds must be from 2 to 1000 (got 1)", Assert.ThrowsAny<ArgumentException>(() => ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 1 }, Cpu)).Message);
        Assert.Contains("--layers 7", Assert.ThrowsAny<ArgumentException>(() => ProbeSweep.Run(set, new ProbeSweepOptions { Layers = [7] }, Cpu)).Message);
        Assert.Contains("--positions 9", Assert.ThrowsAny<ArgumentException>(() => ProbeSweep.Run(set, new ProbeSweepOptions { Positions = [9] }, Cpu)).Message);
        Assert.Contains("--bins", Assert.ThrowsAny<ArgumentException>(() => ProbeSweep.Run(set, new ProbeSweepOptions { Bins = 2, Align = PositionAlignment.End }, Cpu)).Message);
    }
}
