using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Probes;

/// <summary>
/// Many L2-regularised logistic regressions solved at once with a batched L-BFGS: one problem per (column p, problem q),
/// all sharing the column's design matrix. Problem q differs in its sample weights (which questions it trains on), its
/// labels and a per-feature penalty weight. Objective per problem (scikit-learn's, C = 1/lambda):
///   sum_i m_i * logloss(x_i . w + b, y_i) + (lambda/2) * sum_j pen_j * w_j^2      (b unpenalised)
/// binary: one logit column (sigmoid); C &gt; 2 classes: C logit columns (softmax, multinomial), as scikit-learn does.
/// </summary>
public static class BatchedLogisticRegression
{
    /// <summary>Result: parameters and how the solver ended.</summary>
    /// <param name="Theta">(P, D+1, Q, K): weights with the intercept as the last row.</param>
    /// <param name="Iterations">L-BFGS iterations run.</param>
    /// <param name="Converged">(P, Q) bool: gradient test met.</param>
    public sealed record Fit(Tensor Theta, int Iterations, Tensor Converged);

    /// <param name="x">(P, N, D+1) features with a ones column last.</param>
    /// <param name="weights">(P, N, Q) sample weights (1 = train, 0 = not).</param>
    /// <param name="labels">(N, Q) long class index per problem.</param>
    /// <param name="penalty">(P, D+1, Q) per-feature penalty weights (0 for the intercept row).</param>
    public static Fit Solve(Tensor x, Tensor weights, Tensor labels, Tensor penalty, int classes, double lambda,
        int maxIterations, double tolerance, CancellationToken ct, int history = 10)
    {
        long P = x.shape[0], N = x.shape[1], D1 = x.shape[2], Q = weights.shape[2];
        int K = classes == 2 ? 1 : classes;
        var device = x.device;
        var pen = (penalty * lambda).unsqueeze(-1);                              // (P, D+1, Q, 1)
        var w = weights.unsqueeze(-1);                                          // (P, N, Q, 1)
        Tensor target = K == 1
            ? labels.to(float32).unsqueeze(0).unsqueeze(-1)                     // (1, N, Q, 1) in {0, 1}
            : nn.functional.one_hot(labels, K).to(float32).unsqueeze(0);          // (1, N, Q, K)
        var gradTol = (weights.sum(1) * tolerance).clamp_min(1e-6);             // (P, Q): sklearn's mean-loss gtol, in sum scale
        var xt = x.transpose(1, 2);                                             // (P, D+1, N)

        // Loss (P, Q) and gradient (P, D+1, Q, K) at theta.
        (Tensor F, Tensor G) Eval(Tensor theta)
        {
            var z = x.bmm(theta.reshape(P, D1, Q * K)).reshape(P, N, Q, K);     // (P, N, Q, K) logits
            Tensor loss, dz;
            if (K == 1)
            {
                loss = nn.functional.softplus(z) - target * z;                      // (P, N, Q, 1)
                dz = z.sigmoid() - target;
            }
            else
            {
                var lse = z.logsumexp(-1, keepdim: true);                        // (P, N, Q, 1)
                loss = lse - (z * target).sum(-1, keepdim: true);
                dz = (z - lse).exp() - target;                                   // softmax - onehot
            }
            var f = (loss * w).sum([1, 3]) + 0.5 * (pen * theta * theta).sum([1, 3]);             // (P, Q)
            var g = xt.bmm((dz * w).reshape(P, N, Q * K)).reshape(P, D1, Q, K) + pen * theta;   // (P, D+1, Q, K)
            return (f, g);
        }

        static Tensor Dot(Tensor a, Tensor b) => (a * b).sum([1, 3]);                         // (P, Q)
        static Tensor Bc(Tensor s) => s.unsqueeze(1).unsqueeze(-1);                             // (P, Q) -> (P, 1, Q, 1)

        var theta = zeros([P, D1, Q, K], float32, device);
        var (fx, gx) = Eval(theta);
        var sList = new List<Tensor>();
        var yList = new List<Tensor>();
        var rhoList = new List<Tensor>();
        var converged = gx.abs().amax([1, 3]) <= gradTol;                        // (P, Q) bool
        int it = 0;
        for (; it < maxIterations; it++)
        {
            ct.ThrowIfCancellationRequested();
            if (converged.all().item<bool>()) break;
            using var scope = NewDisposeScope();
            // Two-loop recursion: d = -H g per problem.
            var qv = gx.clone();
            var alphas = new Tensor[sList.Count];
            for (int j = sList.Count - 1; j >= 0; j--)
            {
                alphas[j] = rhoList[j] * Dot(sList[j], qv);
                qv.sub_(Bc(alphas[j]) * yList[j]);
            }
            Tensor gamma;
            if (sList.Count > 0)
            {
                var yl = yList[^1];
                var sy = Dot(sList[^1], yl);
                var yy = Dot(yl, yl).clamp_min(1e-30);
                gamma = torch.where(sy > 0, sy / yy, torch.ones_like(sy));
            }
            else
            {
                gamma = 1.0 / gx.abs().sum([1, 3]).clamp_min(1.0);             // first step: small, scale-free
            }
            var r = qv * Bc(gamma);
            for (int j = 0; j < sList.Count; j++)
            {
                var beta = rhoList[j] * Dot(yList[j], r);
                r.add_(Bc(alphas[j] - beta) * sList[j]);
            }
            var d = -r;
            var active = (~converged).to(float32);                               // (P, Q)
            d.mul_(Bc(active));
            var gd = Dot(gx, d);                                                 // (P, Q) directional derivative
            // Not a descent direction (numerical trouble): fall back to steepest descent for that problem.
            var bad = Bc((gd >= 0).to(float32) * active);
            d = d * (1 - bad) - gx * bad * Bc(gamma);
            gd = Dot(gx, d);

            // Backtracking (Armijo) line search, each problem with its own step.
            var step = torch.ones_like(fx);                                      // (P, Q)
            var accepted = torch.zeros_like(converged).logical_or(converged);   // converged problems need no step
            var thetaNew = theta;
            var fNew = fx;
            var gNew = gx;
            for (int ls = 0; ls < 30; ls++)
            {
                var trial = theta + Bc(step) * d;
                var (ft, gt) = Eval(trial);
                var slack = 1e-6f * fx.abs() + 1e-6f;                            // float32 noise in f
                var ok = (ft <= fx + 1e-4 * step * gd + slack).logical_and(~accepted);
                var okB = Bc(ok.to(float32));
                thetaNew = thetaNew * (1 - okB) + trial * okB;
                gNew = gNew * (1 - okB) + gt * okB;
                fNew = torch.where(ok, ft, fNew);
                accepted = accepted.logical_or(ok);
                if (accepted.all().item<bool>()) break;
                step = torch.where(accepted, step, step * 0.5);
            }
            var moved = accepted.logical_and(~converged);                        // problems that took a step this iteration
            var s = thetaNew - theta;
            var y = gNew - gx;
            var syNew = Dot(s, y);
            var rho = torch.where(syNew > 1e-10, 1.0 / syNew.clamp_min(1e-10), torch.zeros_like(syNew)) * moved.to(float32);
            sList.Add(s.MoveToOuterDisposeScope());
            yList.Add(y.MoveToOuterDisposeScope());
            rhoList.Add(rho.MoveToOuterDisposeScope());
            if (sList.Count > history)
            {
                sList[0].Dispose(); yList[0].Dispose(); rhoList[0].Dispose();
                sList.RemoveAt(0); yList.RemoveAt(0); rhoList.RemoveAt(0);
            }
            theta.Dispose(); fx.Dispose(); gx.Dispose();
            theta = thetaNew.MoveToOuterDisposeScope();
            fx = fNew.MoveToOuterDisposeScope();
            gx = gNew.MoveToOuterDisposeScope();
            var conv = converged.logical_or(gx.abs().amax([1, 3]) <= gradTol);
            converged.Dispose();
            converged = conv.MoveToOuterDisposeScope();
        }
        return new Fit(theta, it, converged);
    }
}
