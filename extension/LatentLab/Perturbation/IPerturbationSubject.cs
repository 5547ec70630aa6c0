using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// A network plus named metrics on a fixed evaluation set: what a perturbation sweep needs and nothing more. A subject
/// evaluates K perturbed copies at once (stacked parameters, or K copies with a hook on each layer's output).
/// </summary>
public interface IPerturbationSubject
{
    /// <summary>A short name for tables and charts (e.g. "pre-RL").</summary>
    string Name { get; }

    /// <summary>Every parameter tensor, in a fixed order (noise is drawn in this order, so two subjects of the same shape get the same draws).</summary>
    IReadOnlyList<SubjectParameter> Parameters { get; }

    /// <summary>Names of the network's input features, in the order a parameter's <see cref="SubjectParameter.InputAxis"/> indexes them (scope <c>input:NAME</c>).</summary>
    IReadOnlyList<string> InputNames { get; }

    /// <summary>The metrics, in the column order of every evaluation.</summary>
    IReadOnlyList<string> Metrics { get; }

    /// <summary>The metric that stands for the network's capability (the denominator of the specificity ratio).</summary>
    string CapabilityMetric { get; }

    /// <summary>Each metric's chance value (what a network that knows nothing would score), in <see cref="Metrics"/> order.</summary>
    IReadOnlyList<double> Chance { get; }

    /// <summary>Number of layers whose output an activation hook can perturb (0: activation noise is not supported).</summary>
    int ActivationLayers { get; }

    /// <summary>Device of the parameters.</summary>
    Device Device { get; }

    /// <summary>
    /// Metrics of K networks: <paramref name="parameters"/>[i] is (K, ...Parameters[i].Shape). Returns [copy, metric] (K, M).
    /// </summary>
    double[,] Evaluate(IReadOnlyList<Tensor> parameters);

    /// <summary>
    /// As <see cref="Evaluate(IReadOnlyList{Tensor})"/>, stopping early when <paramref name="cancellationToken"/> is cancelled
    /// (throws <see cref="OperationCanceledException"/>; the sweep then drops the half-evaluated point). Subjects whose one
    /// evaluation takes long (copies evaluated one after another) override it; the default evaluates in one go.
    /// </summary>
    double[,] Evaluate(IReadOnlyList<Tensor> parameters, CancellationToken cancellationToken) => Evaluate(parameters);

    /// <summary>Peak bytes of evaluating one copy (its share of a batched evaluation), for the memory check before a sweep; 0 when unknown.</summary>
    double EvaluationBytesPerCopy => 0;

    /// <summary>
    /// Metrics of <paramref name="copies"/> copies of the clean network with <paramref name="hook"/> applied to each layer's
    /// output: hook(layer, h) with h (K, ..., width) returns the perturbed h. Returns (K, M).
    /// </summary>
    double[,] EvaluateWithHook(int copies, Func<int, Tensor, Tensor> hook);
}
