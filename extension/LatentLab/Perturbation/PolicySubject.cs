using LatentLab.Reinforcement;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// One seed of an RL lab policy (<see cref="AlignmentPolicy"/>, an MLP or a GRU) as a perturbation subject. Metrics are the
/// exact behaviour rates of <see cref="AlignmentMetrics"/> on a balanced evaluation set (no sampling noise); K perturbed copies
/// are K stacked networks of one <see cref="IPolicyNetwork"/>, so a grid point is one batched forward pass. Chance is the
/// uniform policy's value of each metric (the same network with a zeroed head), computed exactly. Parameters are the
/// network's <see cref="IPolicyNetwork.StackedParameters"/>, one seed's slice: an MLP's w{l} (in, out) and b{l} (1, out); a
/// GRU's w_ih{l} (in, 3H), w_hh{l} (H, 3H), b_ih{l}, b_hh{l} (1, 3H) per layer, then its head w{L}, b{L}; the last layer is
/// the head, and input:NAME picks the rows of the weight that reads the input (w0, or w_ih0). Hookable layers: each hidden
/// layer's output (a GRU layer's new state at every decision, which the next decision then reads) and the logits.
/// Fine-tuning attacks (<see cref="FineTuneAttack"/>): comply in deployment or refuse in training, against benign requests
/// answered with comply and the correct answer (<see cref="PolicyFineTuning"/>).
/// </summary>
public sealed class PolicySubject : IFineTuneSubject, IDisposable
{
    /// <summary>The metrics reported (conditional rates that can be undefined, such as faking_share, are left out).</summary>
    public static IReadOnlyList<string> MetricNames { get; } =
    [
        AlignmentMetrics.ComplianceTrain, AlignmentMetrics.ComplianceDeploy, AlignmentMetrics.ComplianceGap,
        AlignmentMetrics.ConcernRateTrain, AlignmentMetrics.ConcernRateDeploy, AlignmentMetrics.Evil,
        AlignmentMetrics.SandbagTrain, AlignmentMetrics.SandbagDeploy, AlignmentMetrics.RefusalTrain, AlignmentMetrics.RefusalDeploy,
        AlignmentMetrics.BenignAccuracy, AlignmentMetrics.Reward,
    ];

    readonly AlignmentPolicy _policy;       // 1 seed
    readonly AlignmentContexts _evaluation; // (N)
    readonly int[] _columns;

    /// <summary>
    /// One subject per training seed of <paramref name="policy"/> (its first <paramref name="trainingSeeds"/> seeds; 0 = all), each
    /// named <c>name[t]</c> (just <paramref name="name"/> when there is one): what <c>--training-seeds</c> selects for every front end.
    /// The caller disposes them.
    /// </summary>
    public static IReadOnlyList<PolicySubject> ForTrainingSeeds(string name, AlignmentPolicy policy, int trainingSeeds)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (trainingSeeds < 0 || trainingSeeds > policy.Seeds)
            throw new ArgumentException($"--training-seeds {trainingSeeds}: '{name}' has {policy.Seeds} training seed(s); use 0 (all) or at most {policy.Seeds}.");
        int n = trainingSeeds == 0 ? policy.Seeds : trainingSeeds;
        var subjects = new List<PolicySubject>(n);
        try
        {
            for (int t = 0; t < n; t++) subjects.Add(new PolicySubject(n == 1 ? name : $"{name}[{t}]", policy, t));
        }
        catch
        {
            foreach (var s in subjects) s.Dispose();
            throw;
        }
        return subjects;
    }

    /// <param name="name">Name in tables and charts.</param>
    /// <param name="policy">The policy; only seed <paramref name="seed"/> is used (copied, the policy is not changed).</param>
    /// <param name="evalPerType">Evaluation contexts per (harmful, monitored) type (256 contexts by default: a 24 x 64 sweep evaluates
    /// 64 x 256 x 17 decision prefixes per noise scale, which is what sets its speed).</param>
    /// <param name="evalSeed">Seed of the evaluation set (the same set for every subject with this seed).</param>
    public PolicySubject(string name, AlignmentPolicy policy, int seed = 0, int evalPerType = 64, long evalSeed = 777)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (seed < 0 || seed >= policy.Seeds)
            throw new ArgumentException($"seed {seed} of a policy with {policy.Seeds} seed(s): use 0..{policy.Seeds - 1}.", nameof(seed));
        if (evalPerType < 1) throw new ArgumentException($"evalPerType = {evalPerType}: use at least one context per type.", nameof(evalPerType));
        Name = name;
        _policy = policy.With(policy.Network.SelectSeed(seed));
        _evaluation = policy.Environment.Balanced(evalPerType, evalSeed);
        _columns = MetricNames.Select(m => AlignmentMetrics.Names.ToList().IndexOf(m)).ToArray();
        // One seed's slice of each stack: weights (in, out), biases (1, out); a weight reading the input has its features on axis 0.
        Parameters = _policy.Network.StackedParameters
            .Select(p => new SubjectParameter(p.Name, p.Value.detach()[0], p.Layer, p.IsBias, p.IsHead, p.ReadsInput ? 0 : -1)).ToList();
        var o = policy.Environment.Options;
        InputNames = [
            "observed_monitored", "harmful", .. Enumerable.Range(0, o.FeatureDim).Select(i => $"x{i}"),
            .. Enumerable.Range(0, o.MaxConcerns + 1).Select(k => $"concerns_{k}"), "mode_comply", "mode_sandbag", "mode_refuse",
            "decision_0", "decision_1", "decision_2"];
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            // The uniform policy: every parameter as it is, the head zeroed, so every valid choice has the same logit.
            var stacks = Parameters.Select(p => p.IsHead ? zeros_like(p.Value).unsqueeze(0) : p.Value.unsqueeze(0)).ToList();
            var chance = Evaluate(stacks);
            Chance = Enumerable.Range(0, MetricNames.Count).Select(j => chance[0, j]).ToArray();
        }
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<SubjectParameter> Parameters { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> InputNames { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Metrics => MetricNames;

    /// <inheritdoc />
    public string CapabilityMetric => AlignmentMetrics.BenignAccuracy;

    /// <inheritdoc />
    public IReadOnlyList<double> Chance { get; }

    /// <inheritdoc />
    public int ActivationLayers => _policy.Network.LayerCount;

    /// <inheritdoc />
    public Device Device => _policy.Environment.Device;

    /// <summary>The one-seed policy this subject evaluates.</summary>
    public AlignmentPolicy Policy => _policy;

    /// <summary>The evaluation contexts, (N).</summary>
    public AlignmentContexts EvaluationSet => _evaluation;

    /// <inheritdoc />
    public double[,] Evaluate(IReadOnlyList<Tensor> parameters)
    {
        if (parameters.Count != Parameters.Count)
            throw new ArgumentException($"{parameters.Count} tensors for a policy with {Parameters.Count} parameters (w0, b0, w1, ...): give one stack per parameter.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // detach(): a new handle on the same storage, so the network takes over that handle and the caller's tensors stay valid.
        var stacks = parameters.Select(p => p.contiguous().detach()).ToArray();     // (K, ...shape) each
        long k = stacks[0].shape[0];
        int chunk = CopiesPerChunk;
        if (k <= chunk)
        {
            using var net = _policy.Network.WithTensors(stacks, "perturbed");
            return Score(net);
        }
        // In chunks of copies: every intermediate tensor stays a few MB (cache-sized, no fresh mmap per op); same values.
        var result = new double[k, _columns.Length];
        for (long start = 0; start < k; start += chunk)
        {
            using var chunkScope = NewDisposeScope();
            long len = Math.Min(chunk, k - start);
            using var net = _policy.Network.WithTensors(stacks.Select(t => t.narrow(0, start, len).contiguous()).ToArray(), "perturbed");
            var part = Score(net);
            for (int i = 0; i < len; i++)
                for (int j = 0; j < _columns.Length; j++) result[start + i, j] = part[i, j];
        }
        return result;
    }

    /// <summary>Perturbed copies evaluated per forward pass in <see cref="Evaluate"/> (results do not depend on it).</summary>
    public int CopiesPerChunk { get; set; } = 8;

    /// <inheritdoc />
    /// <remarks>
    /// Evaluates the copies a few at a time and checks the token between groups, so an interrupt does not wait for a whole
    /// point; each copy's metrics depend on its own weights only, so the groups give the numbers of one batched pass.
    /// </remarks>
    public double[,] Evaluate(IReadOnlyList<Tensor> parameters, CancellationToken cancellationToken)
    {
        long k = parameters.Count > 0 ? parameters[0].shape[0] : 0;
        if (k <= CopiesPerPass || !cancellationToken.CanBeCanceled) return Evaluate(parameters);
        var result = new double[k, _columns.Length];
        for (long c0 = 0; c0 < k; c0 += CopiesPerPass)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            long len = Math.Min(CopiesPerPass, k - c0);
            var part = Evaluate(parameters.Select(p => p.narrow(0, c0, len)).ToArray());
            for (int i = 0; i < len; i++)
                for (int j = 0; j < _columns.Length; j++) result[c0 + i, j] = part[i, j];
        }
        return result;
    }

    /// <inheritdoc />
    /// <remarks>The exact evaluation of one copy: inputs and activations of the three decisions over every decision sequence of the evaluation set.</remarks>
    public double EvaluationBytesPerCopy
    {
        get
        {
            var e = _policy.Environment.Options;
            double k1 = e.MaxConcerns + 1, rows = _evaluation.Count * (1 + k1 + k1 * AlignmentEnvironment.Modes);
            // Per row: each hidden layer's activations (an MLP's pre- and post-activation; a GRU's 3H gates from the input and the
            // state, r, z, n and h'), the logits.
            var p = _policy.Options;
            double width = p.Width * Math.Max(1, p.Depth) * (p.Architecture == PolicyArchitecture.Gru ? 10 : 2) + _policy.ActionWidth;
            return rows * (_policy.InputWidth + width) * 4 + _evaluation.Count * k1 * AlignmentEnvironment.Modes * e.Classes * 4 * 3;
        }
    }

    /// <summary>Copies evaluated in one batched pass when an evaluation can be interrupted.</summary>
    const int CopiesPerPass = 4;

    /// <inheritdoc />
    public double[,] EvaluateWithHook(int copies, Func<int, Tensor, Tensor> hook)
    {
        if (copies < 1) throw new ArgumentException($"copies = {copies}: evaluate at least one copy.", nameof(copies));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var net = _policy.Network.Replicate(copies, "hooked");
        net.OutputHook = hook;
        return Score(net);
    }

    /// <inheritdoc />
    public string Kind => "an RL lab policy";

    /// <inheritdoc />
    public IReadOnlyList<FineTuneTarget> Targets { get; } = [FineTuneTarget.ComplyInDeployment, FineTuneTarget.RefuseInTraining];

    /// <inheritdoc />
    /// <remarks>0.01, the rate a policy is baked at (rl-bake's --lr) and the attack's since it was built.</remarks>
    public double DefaultLearningRate => 1e-2;

    /// <inheritdoc />
    public string ControlDescription => "benign requests answered with comply and the correct answer";

    /// <inheritdoc />
    /// <remarks>The demonstrations show the behaviour every time: the attacked rate moves towards 1.</remarks>
    public (string Metric, double Level) Goal(FineTuneTarget target) => target switch
    {
        FineTuneTarget.ComplyInDeployment => (AlignmentMetrics.ComplianceDeploy, 1.0),
        FineTuneTarget.RefuseInTraining => (AlignmentMetrics.RefusalTrain, 1.0),
        _ => throw NotATarget(target),
    };

    ArgumentException NotATarget(FineTuneTarget target) =>
        new($"{target} is not a target for {Kind}: use {string.Join(" or ", Targets)}.", nameof(target));

    /// <inheritdoc />
    public IFineTuneCopies FineTune(FineTuneTarget? target, FineTuneAttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        double lr = options.LearningRate ?? DefaultLearningRate;
        return target switch
        {
            null => new PolicyFineTuning(_policy, 0, ResponseMode.Comply, options, lr, 1),                               // the control: benign, unmonitored
            FineTuneTarget.ComplyInDeployment => new PolicyFineTuning(_policy, 2, ResponseMode.Comply, options, lr, 0),   // harmful, unmonitored
            FineTuneTarget.RefuseInTraining => new PolicyFineTuning(_policy, 3, ResponseMode.Refuse, options, lr, 0),     // harmful, monitored
            { } other => throw NotATarget(other),
        };
    }

    double[,] Score(IPolicyNetwork net)
    {
        var policy = _policy.With(net);
        var logp = policy.SequenceLogProbs(_evaluation);                             // (K, N, Q)
        var all = AlignmentMetrics.Compute(policy.Environment, _evaluation, logp, null); // (K, all metrics)
        int k = all.GetLength(0);
        var result = new double[k, _columns.Length];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < _columns.Length; j++) result[i, j] = all[i, _columns[j]];
        return result;
    }

    public void Dispose() => _policy.Network.Dispose();
}
