using LatentLab.Options;

namespace LatentLab.Perturbation;

/// <summary>
/// Every knob of a perturbation sweep, declared once ([Knob]). The noise grid is <see cref="Points"/> values spaced evenly
/// in log s from <see cref="NoiseMin"/> to <see cref="NoiseMax"/>, or the explicit <see cref="Grid"/> (C# only) when set.
/// </summary>
public sealed record PerturbationOptions : IKnobRules
{
    /// <summary>Smallest relative noise scale s.</summary>
    [Knob("--noise-min", "Smallest relative noise scale s (noise = s * RMS of the tensor).", Min = 0, ExclusiveMin = true, Max = 1000)]
    public double NoiseMin { get; init; } = 1e-3;

    /// <summary>Largest relative noise scale s.</summary>
    [Knob("--noise-max", "Largest relative noise scale s.", Min = 0, ExclusiveMin = true, Max = 1000)]
    public double NoiseMax { get; init; } = 3.0;

    /// <summary>Grid points, evenly spaced in log s.</summary>
    [Knob("--points", "Noise scales on the grid, evenly spaced in log s.", Min = 2, Max = 1000)]
    public int Points { get; init; } = 24;

    /// <summary>Noise seeds: independent draws of eps, evaluated as one batched computation per grid point.</summary>
    [Knob("--seeds", "Noise seeds (independent draws of eps), evaluated as one batch per grid point; CIs are over them.", Min = 2, Max = 4096)]
    public int Seeds { get; init; } = 64;

    /// <summary>What is perturbed: all, head, biases, layer:N, input:NAME or filter:TEXT.</summary>
    [Knob("--scope", "What is perturbed: all, head, biases, layer:N, input:NAME (weights reading one input) or filter:TEXT (names containing TEXT).", TypeHint = "scope")]
    public string Scope { get; init; } = "all";

    /// <summary>Weights (each parameter tensor) or activations (each layer's output).</summary>
    [Knob("--kind", "Perturb the weights (each tensor) or the activations (each layer's output).")]
    public PerturbationKind Kind { get; init; } = PerturbationKind.Weights;

    /// <summary>Seed of the noise draws: the same seed gives the same draws to every network of the same shape.</summary>
    [Knob("--seed", "Seed of the noise draws; the same seed gives two networks of the same shape the same draws (paired).", Min = 0)]
    public int Seed { get; init; } = 1;

    /// <summary>Bootstrap resamples of the s50 intervals.</summary>
    [Knob("--resamples", "Bootstrap resamples (over noise seeds) of every s50 interval.", Min = 100, Max = 1_000_000)]
    public int Resamples { get; init; } = 2000;

    /// <summary>Training seeds of a multi-seed model (an RL run's policies) to sweep: 0 = all, n = the first n.</summary>
    [Knob("--training-seeds", "Training seeds (networks) of a multi-seed model to sweep, pooled with a hierarchical bootstrap (training seeds, then noise seeds): 0 = all, n = the first n.", Min = 0, Max = 4096)]
    public int TrainingSeeds { get; init; }

    /// <summary>Torch threads during the sweep (0 keeps the process setting); results depend on it.</summary>
    [Knob("--threads", "Torch threads during the sweep (0: keep the process setting).", Min = 0, Max = 1024)]
    public int Threads { get; init; } = 1;

    /// <summary>An explicit noise grid (increasing, every value &gt;= 0; 0 gives the clean network). Overrides the log grid.</summary>
    public IReadOnlyList<double>? Grid { get; init; }

    /// <summary>The noise scales of the sweep.</summary>
    public double[] NoiseGrid()
    {
        if (Grid is { } g) return [.. g];
        double lo = Math.Log(NoiseMin), hi = Math.Log(NoiseMax);
        return Enumerable.Range(0, Points).Select(i => Math.Exp(lo + (hi - lo) * i / (Points - 1))).ToArray();
    }

    /// <summary>The parsed scope (after <see cref="Validate"/>).</summary>
    public PerturbationScope ParsedScope() => PerturbationScope.Parse(Scope);

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Grid is null && NoiseMin >= NoiseMax)
            yield return $"{{NoiseMin}} ({NoiseMin}) must be below {{NoiseMax}} ({NoiseMax}): the noise grid must increase.";
        if (PerturbationScope.Problem(Scope) is { } problem)
            yield return "{Scope}: " + problem;
        if (Kind == PerturbationKind.Activations && PerturbationScope.Problem(Scope) is null
            && PerturbationScope.Parse(Scope).Kind is "biases" or "filter" or "input")
            yield return "{Scope} " + Scope + " names parameters; with {Kind} activations use all, head or layer:N.";
        if (Grid is { } g)
        {
            if (g.Count < 2) yield return $"Grid holds {g.Count} value(s): give at least two noise scales.";
            else if (g.Any(v => !double.IsFinite(v) || v < 0)) yield return "Grid holds a negative or non-finite noise scale: every s must be >= 0.";
            else
                for (int i = 1; i < g.Count; i++)
                    if (!(g[i] > g[i - 1]))
                    {
                        yield return $"Grid is not increasing (s[{i - 1}] = {g[i - 1]}, s[{i}] = {g[i]}): list the noise scales in increasing order without repeats.";
                        break;
                    }
        }
    }
}
