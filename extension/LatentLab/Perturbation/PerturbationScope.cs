using System.Globalization;

namespace LatentLab.Perturbation;

/// <summary>
/// Which parameters (or layer outputs) a sweep perturbs, parsed from <c>all</c>, <c>head</c>, <c>biases</c>, <c>layer:N</c>
/// <c>input:NAME</c> (only the weights that read one input feature, by name or index) or <c>filter:TEXT</c> (parameter names
/// containing TEXT, case-insensitive).
/// </summary>
public sealed record PerturbationScope(string Kind, int Layer = -1, string Filter = "")
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages and help.</summary>
    public const string Forms = "all, head, biases, layer:N, input:NAME or filter:TEXT";

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
        if (lower.StartsWith("input:", StringComparison.Ordinal))
            return t.Length > 6 ? null : $"scope '{t}': input:NAME needs an input's name or index (e.g. input:observed_monitored or input:0).";
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
        if (lower.StartsWith("input:", StringComparison.Ordinal)) return new("input", Filter: t[6..]);
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
        "input" => parameter.InputAxis >= 0,
        _ => false,
    };

    /// <summary>
    /// For <c>input:NAME</c>: the index of NAME (case-insensitive) or of a number in <paramref name="inputNames"/>; throws
    /// <see cref="ArgumentException"/> listing the inputs when there is no such input. -1 for every other scope.
    /// </summary>
    public int InputIndex(IReadOnlyList<string> inputNames)
    {
        if (Kind != "input") return -1;
        for (int i = 0; i < inputNames.Count; i++)
            if (string.Equals(inputNames[i], Filter, StringComparison.OrdinalIgnoreCase)) return i;
        if (int.TryParse(Filter, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 0 && n < inputNames.Count) return n;
        throw new ArgumentException(inputNames.Count == 0
            ? $"scope input:{Filter}: this network does not name its inputs; use {Forms} without input:."
            : $"scope input:{Filter}: no such input; the inputs are {string.Join(", ", inputNames.Select((x, i) => $"{i} {x}"))}.");
    }

    /// <summary>True when activation noise under this scope touches the output of <paramref name="layer"/> (of <paramref name="layers"/>).</summary>
    public bool MatchesLayer(int layer, int layers) => Kind switch
    {
        "all" => true,
        "head" => layer == layers - 1,
        "layer" => layer == Layer,
        _ => false,
    };

    public override string ToString() => Kind switch { "layer" => $"layer:{Layer}", "filter" => $"filter:{Filter}", "input" => $"input:{Filter}", _ => Kind };
}
