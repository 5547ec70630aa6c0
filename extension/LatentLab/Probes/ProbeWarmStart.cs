namespace LatentLab.Probes;

/// <summary>Where the sweep's L-BFGS starts each probe (the optimum is the same: L2 logistic regression is strictly convex).</summary>
public enum ProbeWarmStart
{
    /// <summary>Every probe from zero weights and a zero intercept.</summary>
    None,
    /// <summary>Zero weights, the intercept at the log-odds of the problem's training labels (binary; class log-priors, centred, for more classes).</summary>
    Intercept,
    /// <summary>First the column's all-data problems (task and control, sample weights (F-1)/F so the data-to-penalty ratio
    /// matches a fold's), then each fold's problems from that fit and its last curvature scale.</summary>
    Folds,
    /// <summary>Within a layer, each position's probes from the converged parameters of the position before (columns are
    /// solved in strided blocks so that a block's neighbours were solved by the block before).</summary>
    Positions,
}
