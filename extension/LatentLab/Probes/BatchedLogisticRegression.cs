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
/// Active set: every few iterations the columns whose problems have all converged are dropped from the batch (their
/// parameters are final), so the products shrink to the columns still iterating; a problem's iterates do not depend on
/// which other columns share its batch.
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
    /// <param name="labels">(N, Q) long class index per problem, shared by the columns, or (P, N, Q) one set per column.</param>
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
        var lab = labels.dim() == 2 ? labels.unsqueeze(0) : labels;              // (1 or P, N, Q)
        long PL = lab.shape[0];
        Tensor target = K == 1
            ? lab.to(float32).transpose(1, 2).reshape(PL, Q, 1, N).contiguous()  // (1 or P, Q, 1, N) in {0, 1}
            : nn.functional.one_hot(lab, K).to(float32).permute(0, 2, 3, 1).contiguous(); // (1 or P, Q, K, N)
        var gradTol = (weights.sum(1) * tolerance).clamp_min(1e-6);             // (P, Q): sklearn's mean-loss gtol, in sum scale
        var xt = x.transpose(1, 2);                                             // (P, D+1, N) view
        Tensor? chol = bound is null ? null : linalg.cholesky(bound);           // (P, D+1, D+1) lower
        Tensor? boundA = bound;                                                 // (P, D+1, D+1), follows the active set
        var xA = x;                                                             // (Pa, N, D+1): the active columns' features

        // Loss (Pa, Q) and gradient (Pa, D+1, Q, K) at theta, for the Pa active columns.
        (Tensor F, Tensor G) Eval(Tensor theta)
        {
            long pa = theta.shape[0];
            // Both products are written with the small Q*K side first, (Q*K, D+1) x (D+1, N) and (Q*K, N) x (N, D+1):
            // MKL's batched sgemm ran these about twice as fast as X theta and X' r here (N=500, D=256, Q*K=5).
            var z = theta.reshape(pa, D1, Q * K).transpose(1, 2).bmm(xt).view(pa, Q, K, N); // (Pa, Q, K, N) logits
            Tensor loss, dz;
            if (K == 1)
            {
                loss = nn.functional.softplus(z) - target * z;                   // (Pa, Q, 1, N)
                dz = z.sigmoid() - target;
            }
            else
            {
                var lse = z.logsumexp(2, keepdim: true);                         // (Pa, Q, 1, N)
                loss = lse - (z * target).sum(2, keepdim: true);
                dz = (z - lse).exp() - target;                                   // softmax - onehot
            }
            var f = (loss * w).sum([2, 3]) + 0.5 * (pen * theta * theta).sum([1, 3]);                 // (Pa, Q)
            var g = (dz * w).view(pa, Q * K, N).bmm(xA).transpose(1, 2).reshape(pa, D1, Q, K) + pen * theta; // (Pa, D+1, Q, K)
            return (f, g);
        }

        static Tensor Dot(Tensor a, Tensor b) => (a * b).sum([1, 3]);                         // (Pa, Q)
        static Tensor Bc(Tensor s) => s.unsqueeze(1).unsqueeze(-1);                             // (Pa, Q) -> (Pa, 1, Q, 1)
        Tensor MInv(Tensor v) => cholesky_solve(v.reshape(v.shape[0], D1, Q * K), chol!).reshape(v.shape[0], D1, Q, K);
        Tensor M(Tensor v) => boundA!.bmm(v.reshape(v.shape[0], D1, Q * K)).reshape(v.shape[0], D1, Q, K);

        var result = zeros([P, D1, Q, K], float32, device);                      // (P, D+1, Q, K) final parameters
        var convergedAll = zeros([P, Q], @bool, device);                         // (P, Q)
        var active = arange(P, dtype: int64, device: device);                    // (Pa) columns still in the batch
        var theta = zeros([P, D1, Q, K], float32, device);
        var (fx, gx) = Eval(theta);
        var sList = new List<Tensor>();
        var yList = new List<Tensor>();
        var rhoList = new List<Tensor>();
        var converged = gx.abs().amax([1, 3]) <= gradTol;                        // (Pa, Q) bool
        var stepScale = ones([P, Q], float32, device);                          // (Pa, Q) shrinks after a failed trial
        var gamma = chol is null ? 1.0 / gx.abs().sum([1, 3]).clamp_min(1.0) : ones([P, Q], float32, device); // (Pa, Q)
        int it = 0;
        for (; it < maxIterations; it++)
        {
            ct.ThrowIfCancellationRequested();
            var cellDone = converged.all(1);                                     // (Pa) every problem of the column converged
            long doneCount = cellDone.sum().item<long>();
            if (doneCount == active.shape[0]) break;
            // Drop finished columns once a quarter of the batch (or more) is done: their parameters are final.
            if (doneCount > 0 && doneCount * 4 >= active.shape[0])
            {
                var keep = (~cellDone).nonzero().squeeze(1);                     // (Pa') positions within the active batch
                var doneAt = cellDone.nonzero().squeeze(1);
                result.index_copy_(0, active.index_select(0, doneAt), theta.index_select(0, doneAt));
                convergedAll.index_copy_(0, active.index_select(0, doneAt), converged.index_select(0, doneAt));
                Tensor Take(Tensor t) { var r = t.index_select(0, keep); t.Dispose(); return r; }
                active = Take(active);
                theta = Take(theta); fx = Take(fx); gx = Take(gx); converged = Take(converged);
                stepScale = Take(stepScale); gamma = Take(gamma);
                for (int j = 0; j < sList.Count; j++) { sList[j] = Take(sList[j]); yList[j] = Take(yList[j]); rhoList[j] = Take(rhoList[j]); }
                xA = x.index_select(0, active);                                  // (Pa', N, D+1) compact copy of the active features
                xt = xA.transpose(1, 2);
                pen = pen.index_select(0, keep);
                gradTol = gradTol.index_select(0, keep);
                if (PL > 1) target = target.index_select(0, keep);
                if (chol is not null) { chol = chol.index_select(0, keep); boundA = boundA!.index_select(0, keep); }
                w = weights.index_select(0, active).transpose(1, 2).unsqueeze(2).contiguous();
            }
            if (debug && it % 10 == 0)
                Console.Error.Write($" it{it}:{active.shape[0]}/{converged.to(float32).mean().item<float>():P0}/{(gx.abs().amax([1, 3]) / gradTol).max().item<float>():G3}");
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
            var activeQ = (~converged).to(float32);                              // (Pa, Q)
            var d = -r * Bc(activeQ);
            var gd = Dot(gx, d);                                                 // (Pa, Q) directional derivative
            // Not a descent direction (numerical trouble): fall back to the preconditioned gradient for that problem.
            var bad = Bc((gd >= 0).to(float32) * activeQ);
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
        result.index_copy_(0, active, theta);
        convergedAll.index_copy_(0, active, converged);
        if (debug)
            Console.Error.WriteLine($" L-BFGS{(chol is null ? "" : " (preconditioned)")}: {it} iterations, converged {convergedAll.to(float32).mean().item<float>():P1}");
        return new Fit(result, it, convergedAll);
    }
}
