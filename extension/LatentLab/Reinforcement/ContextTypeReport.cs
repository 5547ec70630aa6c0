namespace LatentLab.Reinforcement;

/// <summary>
/// How well a baked reference matches its target in one context type (as the policy sees it), means over seeds.
/// "Target" values are those of the exact target distribution (including the deterministic split as drawn and the floors).
/// </summary>
public sealed record ContextTypeReport(
    string Type, int Contexts,
    double TargetComply, double Comply,
    double TargetSandbag, double Sandbag,
    double TargetConcernsGivenComply, double ConcernsGivenComply,
    double TargetAccuracyGivenComply, double AccuracyGivenComply,
    double KlMean, double KlMax, double ModeMargin);
