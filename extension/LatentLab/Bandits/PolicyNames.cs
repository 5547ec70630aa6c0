namespace LatentLab.Bandits;

/// <summary>The names of the classic policies, used in results and on the command line, and a factory for them.</summary>
public static class PolicyNames
{
    public const string Random = "random";
    public const string Greedy = "greedy";
    public const string EpsilonGreedy = "eps-greedy";
    public const string Ucb1 = "ucb1";
    public const string Thompson = "thompson";

    /// <summary>The classic baselines, in the order results list them.</summary>
    public static IReadOnlyList<string> Classic { get; } = new[] { Random, Greedy, EpsilonGreedy, Ucb1, Thompson };

    /// <summary>Creates a classic policy by name; throws <see cref="ArgumentException"/> listing the valid names.</summary>
    public static IBanditPolicy Create(string name, BanditSpec spec, double epsilon = 0.1) => Normalize(name) switch
    {
        Random => new RandomPolicy(),
        Greedy => new GreedyPolicy(),
        EpsilonGreedy => new EpsilonGreedyPolicy(epsilon),
        Ucb1 => new Ucb1Policy(),
        Thompson => new ThompsonPolicy(spec.Reward, spec.NoiseStd),
        _ => throw new InvalidOperationException("unreachable"),
    };

    /// <summary>Lower-cases and checks a classic policy name ("ucb" and "epsilon-greedy" are accepted aliases).</summary>
    public static string Normalize(string name)
    {
        var n = (name ?? "").Trim().ToLowerInvariant();
        n = n switch { "ucb" => Ucb1, "epsilon-greedy" or "egreedy" or "eps" => EpsilonGreedy, "ts" => Thompson, _ => n };
        if (!Classic.Contains(n))
            throw new ArgumentException($"Unknown policy '{name}'. Valid policies: {string.Join(", ", Classic)}.", nameof(name));
        return n;
    }

    internal static InvalidOperationException NotReset(string name) =>
        new($"The {name} policy was used before Reset(batch, arms, device, seed); call Reset first.");
}
