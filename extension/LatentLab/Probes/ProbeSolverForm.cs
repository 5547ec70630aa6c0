namespace LatentLab.Probes;

/// <summary>Which form of the L2 logistic regression the sweep solves (the same optimum either way).</summary>
public enum ProbeSolverForm
{
    /// <summary>Primal (measured faster on the benchmarks, including D = 2048 over 400 training questions: the kernels cost
    /// about 80 primal iterations' products, and L-BFGS converged there in 11-24).</summary>
    Auto,
    /// <summary>Weights over the D features (+ intercept), one design matrix per column shared by all its problems.</summary>
    Primal,
    /// <summary>The representer form: per fold, the n_train x n_train kernel of the fold-standardised features, solved
    /// over the coordinates of its Cholesky factor (n_train + 1 unknowns instead of D + 1).</summary>
    Kernel,
}
