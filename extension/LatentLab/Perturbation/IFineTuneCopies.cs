using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>R copies of a subject's network being fine-tuned, each on its own demonstration set (<see cref="IFineTuneSubject.FineTune"/>).</summary>
public interface IFineTuneCopies : IDisposable
{
    /// <summary>Number of copies R (one per demonstration set).</summary>
    int Copies { get; }

    /// <summary>One optimiser step of every copy on its own demonstrations (the copies never share a gradient).</summary>
    void Step();

    /// <summary>
    /// The copies' current parameters, one (R, ...) stack per parameter in the order of <see cref="IPerturbationSubject.Parameters"/>:
    /// what <see cref="IPerturbationSubject.Evaluate(IReadOnlyList{Tensor}, CancellationToken)"/> takes. Detached; valid until
    /// the next <see cref="Step"/> (create them in a dispose scope).
    /// </summary>
    IReadOnlyList<Tensor> Stacks();
}
