namespace LatentLab.Probes;

/// <summary>Which form of the L2 logistic regression the sweep solves (the same optimum either way).</summary>
public enum ProbeSolverForm
{
    /// <summary>Kernel when the width is at least a fold's training count (D + 1 &gt; n_train), primal otherwise.</summary>
    Auto,
    /// <summary>Weights over the D features (+ intercept), one design matrix per column shared by all its problems.</summary>
    Primal,
    /// <summary>The representer form: per fold, the n_train x n_train kernel of the fold-standardised features, solved
    /// over the coordinates of its Cholesky factor (n_train + 1 unknowns instead of D + 1).</summary>
    Kernel,
}
