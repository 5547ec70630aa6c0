namespace LatentLab.LanguageModels;

/// <summary>
/// Rotary position embedding settings: the base θ, the rotated width, and an optional rescaling of the
/// frequencies ("linear": all divided by a factor; "llama3": long wavelengths divided, short kept, a smooth ramp between).
/// </summary>
public sealed record RopeParameters
{
    public required double Theta { get; init; }
    public required int Dim { get; init; }                 // head_dim (partial rotary is not used by these families)
    public string Type { get; init; } = "default";         // "default", "linear", "llama3"
    public double Factor { get; init; } = 1.0;
    public double LowFreqFactor { get; init; } = 1.0;      // llama3
    public double HighFreqFactor { get; init; } = 4.0;     // llama3
    public int OriginalMaxPositions { get; init; } = 8192; // llama3: original_max_position_embeddings

    internal static RopeParameters FromConfig(ConfigReader r, double theta, int dim)
    {
        var baseRope = new RopeParameters { Theta = theta, Dim = dim };
        if (r.Has("partial_rotary_factor") && r.Double("partial_rotary_factor") != 1.0)
            throw new NotSupportedException($"{r.Source}: partial_rotary_factor {r.Double("partial_rotary_factor")} is not supported; only full rotary embeddings.");
        var s = r.Object("rope_scaling");
        if (s is null) return baseRope;
        string type = s.String("rope_type") ?? s.String("type") ?? "default";
        return type switch
        {
            "default" => baseRope,
            "linear" => baseRope with { Type = "linear", Factor = s.Double("factor") ?? throw new InvalidDataException($"{s.Source}: linear scaling needs \"factor\".") },
            "llama3" => baseRope with
            {
                Type = "llama3",
                Factor = s.Double("factor") ?? throw new InvalidDataException($"{s.Source}: llama3 scaling needs \"factor\"."),
                LowFreqFactor = s.Double("low_freq_factor") ?? 1.0,
                HighFreqFactor = s.Double("high_freq_factor") ?? 4.0,
                OriginalMaxPositions = s.Int("original_max_position_embeddings") ?? 8192,
            },
            _ => throw new NotSupportedException($"{s.Source}: rope_type '{type}' is not supported; expected default, linear or llama3 " +
                "(yarn, dynamic and longrope scaling are not implemented)."),
        };
    }
}
