using System.Globalization;

namespace LatentLab.Perturbation;

/// <summary>
/// Which parameters (or layer outputs) a sweep perturbs, parsed from <c>all</c>, <c>head</c>, <c>biases</c>, <c>layer:N</c>
/// or <c>filter:TEXT</c> (parameter names containing TEXT, case-insensitive).
/// </summary>
public sealed record PerturbationScope(string Kind, int Layer = -1, string Filter = "")
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages and help.</summary>
    public const string Forms = "all, head, biases, layer:N or filter:TEXT";

    /// <summary>Every parameter (every layer's output).</summary>
    public static PerturbationScope All { get; } = new("all");

    /// <summary>Null when <paramref name="text"/> is well formed, else a message naming the problem and the forms.</summary>
    public static string? Problem(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return $"the scope is empty: use {Forms}.";
        var t = text.Trim();
        var lower = t.ToLowerInvariant();
        if (lower is "all" or "head" or "biases") return null;
        if (lower.StartsWith("layer:", StringComparison.Ordinal))
            return int.TryParse(t[6..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 0
                ? null : $"scope '{t}': layer:N needs a layer index N >= 0 (e.g. layer:0).";
        if (lower.StartsWith("filter:", StringComparison.Ordinal))
            return t.Length > 7 ? null : $"scope '{t}': filter:TEXT needs the text a parameter name must contain (e.g. filter:w1).";
        return $"scope '{t}' is not one of {Forms}.";
    }

    /// <summary>Parses a scope; throws <see cref="ArgumentException"/> naming the forms when it is malformed.</summary>
    public static PerturbationScope Parse(string text)
    {
        if (Problem(text) is { } problem) throw new ArgumentException(problem, nameof(text));
        var t = text.Trim();
        var lower = t.ToLowerInvariant();
        if (lower.StartsWith("layer:", StringComparison.Ordinal)) return new("layer", int.Parse(t[6..], CultureInfo.InvariantCulture));
        if (lower.StartsWith("filter:", StringComparison.Ordinal)) return new("filter", Filter: t[7..]);
        return new(lower);
    }

    /// <summary>True when weight noise under this scope touches <paramref name="parameter"/>.</summary>
    public bool Matches(SubjectParameter parameter) => Kind switch
    {
        "all" => true,
        "head" => parameter.IsHead,
        "biases" => parameter.IsBias,
        "layer" => parameter.Layer == Layer,
        "filter" => parameter.Name.Contains(Filter, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>True when activation noise under this scope touches the output of <paramref name="layer"/> (of <paramref name="layers"/>).</summary>
    public bool MatchesLayer(int layer, int layers) => Kind switch
    {
        "all" => true,
        "head" => layer == layers - 1,
        "layer" => layer == Layer,
        _ => false,
    };

    public override string ToString() => Kind switch { "layer" => $"layer:{Layer}", "filter" => $"filter:{Filter}", _ => Kind };
}
