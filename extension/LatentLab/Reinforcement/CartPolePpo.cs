using System.Diagnostics;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// CleanRL's ppo.py on CartPole-v1, top to bottom, with S seeds as one batched computation (actor and critic: two 64-unit
/// tanh MLPs, orthogonal init with gains sqrt(2) / 0.01 / 1; rollout of Envs x Steps; GAE; clipped policy and value losses;
/// entropy bonus; per-seed gradient clipping; linear learning-rate annealing). CleanRL reports a return of about 500.
/// </summary>
public static class CartPolePpo
{
    /// <summary>Trains; <paramref name="progress"/> gets (global step of a seed, mean return of the last episodes over seeds).</summary>
    public static CartPoleRun Train(CartPolePpoOptions options, Device device, IProgress<(long Step, double Return)>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        return Run(options, device, progress, cancellationToken);
    }

    static CartPoleRun Run(CartPolePpoOptions o, Device device, IProgress<(long, double)>? progress, CancellationToken ct)
    {
        int S = o.Seeds, E = o.Envs, T = o.Steps, batch = E * T, mbSize = batch / o.Minibatches;
        int iterations = o.TotalTimesteps / batch;
        using var g = new Generator((ulong)o.Seed, device);
        var actor = BatchedMlp.Create(S, 4, 64, 2, 2, MlpActivation.Tanh, 0.01, g, device, "actor");
        var critic = BatchedMlp.Create(S, 4, 64, 2, 1, MlpActivation.Tanh, 1.0, g, device, "critic");
        var parameters = actor.parameters().Concat(critic.parameters()).ToList();
        using var optimizer = optim.Adam(parameters, o.LearningRate, eps: 1e-5);
        var env = new CartPole(S * E, o.Seed);

        var obsBuf = zeros([T, S, E, 4], float32, device);
        var actBuf = zeros([T, S, E], int64, device);
        var logpBuf = zeros([T, S, E], float32, device);
        var rewBuf = zeros([T, S, E], float32, device);
        var doneBuf = zeros([T, S, E], float32, device);
        var valBuf = zeros([T, S, E], float32, device);
        var nextDone = zeros([S, E], float32, device);
        var rewards = new float[S * E];
        var done = new bool[S * E];
        var finished = new double[S * E];
        var actions = new int[S * E];
        var rows = new List<RlMetricRow>();
        var clock = Stopwatch.StartNew();
        long globalStep = 0;

        for (int iteration = 0; iteration < iterations; iteration++)
        {
            if (ct.IsCancellationRequested) break;
            if (o.AnnealLearningRate)
                foreach (var group in optimizer.ParamGroups) group.LearningRate = o.LearningRate * (1.0 - (double)iteration / iterations);

            // 1. Rollout: T steps of E environments per seed.
            for (int t = 0; t < T; t++)
            {
                using var stepScope = NewDisposeScope();
                globalStep += E;
                var obs = tensor(env.Observe(), [S, E, 4], float32, device);            // (S, E, 4)
                obsBuf[t] = obs;
                doneBuf[t] = nextDone;
                using (no_grad())
                {
                    var logp = actor.forward(obs).log_softmax(-1);                        // (S, E, 2)
                    var a = multinomial(logp.exp().view(S * E, 2), 1, true, g).view(S, E);
                    actBuf[t] = a;
                    logpBuf[t] = logp.gather(-1, a.unsqueeze(-1)).squeeze(-1);
                    valBuf[t] = critic.forward(obs).squeeze(-1);
                    var picked = a.cpu().data<long>().ToArray();
                    for (int i = 0; i < picked.Length; i++) actions[i] = (int)picked[i];
                }
                env.Step(actions, rewards, done, finished);
                rewBuf[t] = tensor(rewards, [S, E], float32, device);
                nextDone.copy_(tensor(done.Select(d => d ? 1f : 0f).ToArray(), [S, E], float32, device));
                for (int i = 0; i < finished.Length; i++)
                    if (!double.IsNaN(finished[i])) rows.Add(new RlMetricRow(i / E, (int)globalStep, "episodic_return", finished[i]));
            }

            using var scope = NewDisposeScope();
            // 2. GAE, bootstrapped from the value of the next observation (CleanRL treats truncation as termination).
            Tensor advantages, returns;
            using (no_grad())
            {
                var nextObs = tensor(env.Observe(), [S, E, 4], float32, device);
                var nextValue = critic.forward(nextObs).squeeze(-1);                      // (S, E)
                advantages = zeros_like(rewBuf);
                var lastGae = zeros([S, E], float32, device);
                for (int t = T - 1; t >= 0; t--)
                {
                    var nextNonTerminal = t == T - 1 ? 1 - nextDone : 1 - doneBuf[t + 1];
                    var nextValues = t == T - 1 ? nextValue : valBuf[t + 1];
                    var delta = rewBuf[t] + o.Gamma * nextValues * nextNonTerminal - valBuf[t];
                    lastGae = delta + o.Gamma * o.GaeLambda * nextNonTerminal * lastGae;
                    advantages[t] = lastGae;
                }
                returns = advantages + valBuf;
            }
            // Flatten (T, S, E, ...) -> (S, T * E, ...): one batch per seed.
            Tensor Flat(Tensor x) => x.transpose(0, 1).reshape([S, batch, .. x.shape[3..]]);
            var bObs = Flat(obsBuf); var bAct = Flat(actBuf); var bLogp = Flat(logpBuf);
            var bAdv = Flat(advantages); var bRet = Flat(returns); var bVal = Flat(valBuf);

            // 3. Update: epochs x minibatches, the same permutation for every seed.
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                var perm = randperm(batch, generator: g, dtype: int64, device: device);
                for (int mb = 0; mb < o.Minibatches; mb++)
                {
                    using var mbScope = NewDisposeScope();
                    var idx = perm[(mb * mbSize)..((mb + 1) * mbSize)];
                    var mObs = bObs.index_select(1, idx);                                 // (S, m, 4)
                    var logpAll = actor.forward(mObs).log_softmax(-1);                     // (S, m, 2)
                    var newLogp = logpAll.gather(-1, bAct.index_select(1, idx).unsqueeze(-1)).squeeze(-1);
                    var ratio = (newLogp - bLogp.index_select(1, idx)).exp();
                    var adv = bAdv.index_select(1, idx);
                    if (o.NormalizeAdvantages) adv = (adv - adv.mean([1], keepdim: true)) / (adv.std(1, keepdim: true) + 1e-8);
                    var pgLoss = max(-adv * ratio, -adv * ratio.clamp(1 - o.Clip, 1 + o.Clip)).mean([1]);  // (S)
                    var newValue = critic.forward(mObs).squeeze(-1);                      // (S, m)
                    var ret = bRet.index_select(1, idx);
                    Tensor vLoss;
                    if (o.ClipValueLoss)
                    {
                        var oldValue = bVal.index_select(1, idx);
                        var clipped = oldValue + (newValue - oldValue).clamp(-o.Clip, o.Clip);
                        vLoss = 0.5 * max((newValue - ret).pow(2), (clipped - ret).pow(2)).mean([1]);
                    }
                    else vLoss = 0.5 * (newValue - ret).pow(2).mean([1]);
                    var entropy = -(logpAll.exp() * logpAll).sum(-1).mean([1]);           // (S)
                    var loss = (pgLoss - o.EntropyCoefficient * entropy + o.ValueCoefficient * vLoss).sum();
                    optimizer.zero_grad();
                    loss.backward();
                    BatchedMlp.ClipGradNormPerSeed(parameters, o.MaxGradNorm);
                    optimizer.step();
                }
            }
            if (progress is not null && rows.Count > 0)
                progress.Report((globalStep, rows.TakeLast(20 * S).Average(r => r.Value)));
        }
        return new CartPoleRun { Rows = rows, Seconds = clock.Elapsed.TotalSeconds, StepsPerSeed = globalStep, Actor = actor };
    }
}
