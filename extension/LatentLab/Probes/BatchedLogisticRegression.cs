using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Probes;

/// <summary>
/// Many L2-regularised logistic regressions solved at once with a batched L-BFGS: one problem per (column p, problem q),
/// all sharing the column's design matrix. Problem q differs in its sample weights (which questions it trains on), its
/// labels and a per-feature penalty weight. Objective per problem (scikit-learn's, C = 1/lambda):
///   sum_i m_i * logloss(x_i . w + b, y_i) + (lambda/2) * sum_j pen_j * w_j^2      (b unpenalised)
/// binary: one logit column (sigmoid); C &gt; 2 classes: C logit columns (softmax, multinomial), as scikit-learn does.
/// Optional preconditioner: a per-column bound M &gt;= Hessian (Böhning: 0.25 X'WX + lambda*pen for the sigmoid) used as
/// L-BFGS's initial inverse Hessian (scaled by s'y / s'Ms); its first step is the monotone MM step.
/// Line search: one evaluation per iteration; a problem whose trial step fails the Armijo test keeps its point and
/// retries with a quarter of the step at the next iteration, so batched problems never wait for one another.
/// </summary>
public static class BatchedLogisticRegression
{

    /// <summary>Result: parameters and how the solver ended.</summary>
    /// <param name="Theta">(P, D+1, Q, K): weights with the intercept as the last row.</param>
    /// <param name="Iterations">L-BFGS iterations run (= loss/gradient evaluations).</param>
    /// <param name="Converged">(P, Q) bool: gradient test met.</param>
    public sealed record Fit(Tensor Theta, int Iterations, Tensor Converged);

    /// <param name="x">(P, N, D+1) features with a ones column last.</param>
    /// <param name="weights">(P, N, Q) sample weights (1 = train, 0 = not).</param>
    /// <param name="labels">(N, Q) long class index per problem.</param>
    /// <param name="penalty">(P, D+1, Q) per-feature penalty weights (0 for the intercept row).</param>
    /// <param name="bound">Optional (P, D+1, D+1) symmetric positive definite curvature bound per column (preconditioner).</param>
    /// <param name="history">L-BFGS memory (pairs kept).</param>
    public static Fit Solve(Tensor x, Tensor weights, Tensor labels, Tensor penalty, int classes, double lambda,
        int maxIterations, double tolerance, CancellationToken ct, Tensor? bound = null, int history = 10)
    {
        bool debug = Environment.GetEnvironmentVariable("LATENTLAB_DEBUG") == "1";
        long P = x.shape[0], N = x.shape[1], D1 = x.shape[2], Q = weights.shape[2];
        int K = classes == 2 ? 1 : classes;
        var device = x.device;
        var pen = (penalty * lambda).unsqueeze(-1);                              // (P, D+1, Q, 1)
        // The per-sample terms live in the (P, Q, K, N) layout the products write (N innermost, contiguous): the softmax's
        // reductions over K then run over a middle axis with N vectorised, instead of over a strided innermost axis.
        var w = weights.transpose(1, 2).unsqueeze(2).contiguous();              // (P, Q, 1, N)
        Tensor target = K == 1
            ? labels.to(float32).t().reshape(1, Q, 1, N).contiguous()           // (1, Q, 1, N) in {0, 1}
            : nn.functional.one_hot(labels, K).to(float32).permute(1, 2, 0).unsqueeze(0).contiguous(); // (1, Q, K, N)
        var gradTol = (weights.sum(1) * tolerance).clamp_min(1e-6);             // (P, Q): sklearn's mean-loss gtol, in sum scale
        var xt = x.transpose(1, 2);                                             // (P, D+1, N) view
        Tensor? chol = bound is null ? null : linalg.cholesky(bound);           // (P, D+1, D+1) lower

        // Loss (P, Q) and gradient (P, D+1, Q, K) at theta.
        (Tensor F, Tensor G) Eval(Tensor theta)
        {
            // Both products are written with the small Q*K side first, (Q*K, D+1) x (D+1, N) and (Q*K, N) x (N, D+1):
            // MKL's batched sgemm ran these about twice as fast as X theta and X' r here (N=500, D=256, Q*K=5).
            var z = theta.reshape(P, D1, Q * K).transpose(1, 2).bmm(xt).view(P, Q, K, N); // (P, Q, K, N) logits
            Tensor loss, dz;
            if (K == 1)
            {
                loss = nn.functional.softplus(z) - target * z;                   // (P, Q, 1, N)
                dz = z.sigmoid() - target;
            }
            else
            {
                var lse = z.logsumexp(2, keepdim: true);                         // (P, Q, 1, N)
                loss = lse - (z * target).sum(2, keepdim: true);
                dz = (z - lse).exp() - target;                                   // softmax - onehot
            }
            var f = (loss * w).sum([2, 3]) + 0.5 * (pen * theta * theta).sum([1, 3]);                 // (P, Q)
            var g = (dz * w).view(P, Q * K, N).bmm(x).transpose(1, 2).reshape(P, D1, Q, K) + pen * theta; // (P, D+1, Q, K)
            return (f, g);
        }

        static Tensor Dot(Tensor a, Tensor b) => (a * b).sum([1, 3]);                         // (P, Q)
        static Tensor Bc(Tensor s) => s.unsqueeze(1).unsqueeze(-1);                             // (P, Q) -> (P, 1, Q, 1)
        Tensor MInv(Tensor v) => cholesky_solve(v.reshape(P, D1, Q * K), chol!).reshape(P, D1, Q, K);
        Tensor M(Tensor v) => bound!.bmm(v.reshape(P, D1, Q * K)).reshape(P, D1, Q, K);

        var theta = zeros([P, D1, Q, K], float32, device);
        var (fx, gx) = Eval(theta);
        var sList = new List<Tensor>();
        var yList = new List<Tensor>();
        var rhoList = new List<Tensor>();
        var converged = gx.abs().amax([1, 3]) <= gradTol;                        // (P, Q) bool
        var stepScale = ones([P, Q], float32, device);                          // (P, Q) shrinks after a failed trial
        var gamma = chol is null ? 1.0 / gx.abs().sum([1, 3]).clamp_min(1.0) : ones([P, Q], float32, device); // (P, Q)
        int it = 0;
        for (; it < maxIterations; it++)
        {
            ct.ThrowIfCancellationRequested();
            if (converged.all().item<bool>()) break;
            if (debug && it % 10 == 0)
                Console.Error.Write($" it{it}:{converged.to(float32).mean().item<float>():P0}/{(gx.abs().amax([1, 3]) / gradTol).max().item<float>():G3}");
            using var scope = NewDisposeScope();
            // Two-loop recursion: d = -H g per problem, H0 = gamma * M^-1 (or gamma * I).
            var qv = gx.clone();
            var alphas = new Tensor[sList.Count];
            for (int j = sList.Count - 1; j >= 0; j--)
            {
                alphas[j] = rhoList[j] * Dot(sList[j], qv);
                qv.sub_(Bc(alphas[j]) * yList[j]);
            }
            var r = (chol is null ? qv : MInv(qv)) * Bc(gamma);
            for (int j = 0; j < sList.Count; j++)
            {
                var beta = rhoList[j] * Dot(yList[j], r);
                r.add_(Bc(alphas[j] - beta) * sList[j]);
            }
            var active = (~converged).to(float32);                               // (P, Q)
            var d = -r * Bc(active);
            var gd = Dot(gx, d);                                                 // (P, Q) directional derivative
            // Not a descent direction (numerical trouble): fall back to the preconditioned gradient for that problem.
            var bad = Bc((gd >= 0).to(float32) * active);
            var fallback = chol is null ? gx * Bc(gamma) : MInv(gx);
            d = d * (1 - bad) - fallback * bad;
            gd = Dot(gx, d);

            // One trial per iteration: accept where Armijo holds (allowing float32 noise in f); elsewhere stay and shrink the step.
            var trial = theta + Bc(stepScale) * d;
            var (ft, gt) = Eval(trial);
            var slack = 1e-6f * fx.abs() + 1e-6f;
            var ok = (ft <= fx + 1e-4 * stepScale * gd + slack).logical_and(~converged);
            var okB = Bc(ok.to(float32));
            var s = (trial - theta) * okB;
            var y = (gt - gx) * okB;
            var thetaNew = theta + s;
            var gNew = gx + y;
            var fNew = torch.where(ok, ft, fx);
            var sy = Dot(s, y);
            var rho = torch.where(sy > 1e-10, 1.0 / sy.clamp_min(1e-10), torch.zeros_like(sy));
            if (sy.gt(1e-10).any().item<bool>())
            {
                var curvature = chol is null ? Dot(y, y) : Dot(s, M(s));
                gamma = torch.where(sy > 1e-10, sy / curvature.clamp_min(1e-30), gamma).MoveToOuterDisposeScope();
            }
            stepScale = torch.where(ok, torch.ones_like(stepScale), torch.where(converged, stepScale, stepScale * 0.25)).MoveToOuterDisposeScope();
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
        if (debug)
            Console.Error.WriteLine($" L-BFGS{(chol is null ? "" : " (preconditioned)")}: {it} iterations, converged {converged.to(float32).mean().item<float>():P1}");
        return new Fit(theta, it, converged);
    }
}
