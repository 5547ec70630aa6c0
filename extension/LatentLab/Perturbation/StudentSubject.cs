using TorchSharp;
using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Imitation.Simd;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// The bandit student (<see cref="TrainedStudent"/>) as a perturbation subject. Metrics on a fixed set of episodes (the same
/// bandits and reward tape for every copy, so copies are paired): agreement with UCB1 over steps 1..H (H = the training
/// horizon, the capability), agreement after H (H+1..Horizon), and the regret ratio to UCB1 at the horizon (cumulative
/// pseudo-regret of the student over UCB1's on the same episodes). Chance is a uniformly random policy on the same episodes.
/// K perturbed copies are rolled out TOGETHER: their parameters stay stacked (K, ...) and <see cref="StackedStudentPolicy"/>
/// plays all copies on the episodes replicated K times (<see cref="BanditEnvironment.Replicate"/>), a few batched matrix
/// products per step for all copies at once, in chunks of at most <see cref="MaxRowsPerBatch"/> LSTM rows.
/// <see cref="EvaluateOneByOne"/> is the reference path (one copy after another through <see cref="StudentPolicy"/>); both
/// give the same numbers up to float rounding. Activation noise (<see cref="EvaluateWithHook"/>) hooks every LSTM layer's h and
/// every head layer's output at every pull.
/// Fine-tuning attacks (<see cref="FineTuneAttack"/>, <see cref="StudentFineTuning"/>): greedy or first-arm demonstrations
/// move agreement after the horizon towards the demonstrator's own value; the control is UCB1 on fresh bandits.
/// </summary>
public sealed class StudentSubject : IFineTuneSubject, IDisposable
{
    /// <summary>Agreement with UCB1 on steps 1..H.</summary>
    public const string AgreementBefore = "agreement_before_h";
    /// <summary>Agreement with UCB1 on steps H+1..Horizon.</summary>
    public const string AgreementAfter = "agreement_after_h";
    /// <summary>Student regret / UCB1 regret at the horizon.</summary>
    public const string RegretRatio = "regret_ratio_ucb1";

    readonly StudentNetwork _clean;
    readonly BanditTrainingOptions _training;
    readonly StudentNetwork _work;
    readonly (string Name, Tensor Tensor)[] _workParameters;
    readonly BanditEnvironment _env;
    readonly int _horizon;
    readonly int _trainHorizon;
    readonly double _ucbRegret;
    readonly Dictionary<int, BanditEnvironment> _replicated = new();

    /// <summary>
    /// The subjects <c>--training-seeds</c> selects from a bandit student, as <see cref="PolicySubject.ForTrainingSeeds"/> does from a
    /// policy: a student is one network, so the one subject, named <paramref name="name"/>; 0 (all) or 1. The caller disposes it.
    /// </summary>
    public static IReadOnlyList<StudentSubject> ForTrainingSeeds(string name, TrainedStudent student, int trainingSeeds)
    {
        ArgumentNullException.ThrowIfNull(student);
        if (trainingSeeds < 0 || trainingSeeds > 1)
            throw new ArgumentException($"--training-seeds {trainingSeeds}: '{name}' is a bandit student, one network (1 training seed); " +
                                        "use 0 or 1, or leave --training-seeds out.");
        return [new StudentSubject(name, student)];
    }

    /// <param name="episodes">Evaluation episodes (bandits), drawn once from <paramref name="seed"/>.</param>
    /// <param name="horizon">Pulls per episode (the regret ratio is read here); must exceed the training horizon.</param>
    public StudentSubject(string name, TrainedStudent student, int episodes = 1000, int horizon = 100, long seed = 4242)
    {
        ArgumentNullException.ThrowIfNull(student);
        if (episodes < 1) throw new ArgumentException($"episodes = {episodes}: evaluate at least one episode.", nameof(episodes));
        if (horizon <= student.TrainHorizon)
            throw new ArgumentException($"horizon {horizon} must exceed the student's training horizon {student.TrainHorizon}: agreement after it needs later steps.", nameof(horizon));
        Name = name;
        _clean = student.Network;
        _training = student.Options;
        _horizon = horizon;
        _trainHorizon = student.TrainHorizon;
        Device = student.Device;
        _work = StudentNetwork.Create(student.Options);
        _work.to(Device);
        _work.eval();
        _workParameters = _work.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToArray();
        var clean = _clean.named_parameters().ToArray();
        int lstmLayers = student.Options.Layers;
        Parameters = clean.Select(p => new SubjectParameter(p.name, p.parameter.detach(), LayerOf(p.name, lstmLayers), p.name.Contains("bias"),
            p.name.StartsWith("head", StringComparison.Ordinal), p.name == "lstm.weight_ih_l0" ? 1 : -1)).ToArray();   // weight_ih_l0 (4H, F)
        var n = student.Network;
        InputNames = n.Architecture == StudentArchitecture.PerArm
            ? ["pulled", "reward", .. n.InverseTimeInput ? new[] { "inverse_time" } : []]
            : [.. Enumerable.Range(0, n.Arms).Select(a => $"arm_{a}"), "reward", .. n.TimeInput ? new[] { "t_over_h" } : []];
        _env = BanditEnvironment.Create(new BanditSpec(student.Arms), episodes, horizon, seed, Device);
        using var ucb = new Ucb1Policy();
        _ucbRegret = Roll(ucb).Regret;
        using var random = new RandomPolicy();
        var (agreeBefore, agreeAfter, regret) = Roll(random);
        Chance = [agreeBefore, agreeAfter, regret / _ucbRegret];
    }

    /// <summary>lstm.*_l{n} -> n; head.{i}.* -> LSTM layers + i / 2 (Linear, Tanh, Linear); head.* -> LSTM layers.</summary>
    static int LayerOf(string name, int lstmLayers)
    {
        int at = name.LastIndexOf("_l", StringComparison.Ordinal);
        if (name.StartsWith("lstm", StringComparison.Ordinal) && at >= 0 && int.TryParse(name[(at + 2)..], out int l)) return l;
        var parts = name.Split('.');
        return parts.Length == 3 && int.TryParse(parts[1], out int i) ? lstmLayers + i / 2 : lstmLayers;
    }

    /// <inheritdoc />
    public string Name { get; }
    /// <inheritdoc />
    public IReadOnlyList<SubjectParameter> Parameters { get; }
    /// <inheritdoc />
    public IReadOnlyList<string> InputNames { get; }
    /// <inheritdoc />
    public IReadOnlyList<string> Metrics { get; } = [AgreementBefore, AgreementAfter, RegretRatio];
    /// <inheritdoc />
    public string CapabilityMetric => AgreementBefore;
    /// <inheritdoc />
    public IReadOnlyList<double> Chance { get; }
    /// <inheritdoc />
    /// <remarks>The LSTM layers (their h at every pull, which is also the state the next pull reads), then the head's Linear
    /// layers (the hidden ones after tanh; the last is the arm scores): 3 for the default student (layer:0 the LSTM, layer:1
    /// the head's hidden layer, layer:2 = head the scores).</remarks>
    public int ActivationLayers => _training.Layers + Parameters.Count(p => p.IsHead && !p.IsBias);
    /// <inheritdoc />
    public Device Device { get; }

    /// <summary>Largest number of LSTM rows (copies x episodes x arms for a per-arm student) stepped in one batch.</summary>
    public const long MaxRowsPerBatch = 65_536;

    /// <inheritdoc />
    public double[,] Evaluate(IReadOnlyList<Tensor> parameters) => Evaluate(parameters, CancellationToken.None);

    /// <inheritdoc />
    /// <remarks>Checks the token between chunks of copies and between the pulls of each chunk's rollout.</remarks>
    public double[,] Evaluate(IReadOnlyList<Tensor> parameters, CancellationToken cancellationToken)
    {
        CheckStacks(parameters);
        return Roll((int)parameters[0].shape[0], (c0, n) => new StackedStudentPolicy(_work, parameters.Select(p => p.narrow(0, c0, n)).ToList()), cancellationToken);
    }

    /// <summary>The metrics of <paramref name="k"/> copies, rolled out in chunks of copies; <paramref name="policyOf"/>(first copy, count) stacks a chunk.</summary>
    double[,] Roll(int k, Func<int, int, StackedStudentPolicy> policyOf, CancellationToken cancellationToken)
    {
        var result = new double[k, 3];
        long rowsPerCopy = _env.Batch * (_work.Architecture == StudentArchitecture.PerArm ? _env.Spec.Arms : 1);
        int chunk = (int)Math.Clamp(MaxRowsPerBatch / rowsPerCopy, 1, k);
        for (int c0 = 0; c0 < k; c0 += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = (int)Math.Min(chunk, k - c0);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var policy = policyOf(c0, n);
            var env = Replicated(n);
            using var trace = BanditRollout.Run(env, policy, _horizon, policySeed: 1, trackAgreement: true, cancellationToken: cancellationToken);
            var agree = trace.Agreement!.view(_horizon, n, _env.Batch);                      // (T, C, B)
            var before = agree[.._trainHorizon].mean(new long[] { 0, 2 }).data<float>().ToArray();
            var after = agree[_trainHorizon..].mean(new long[] { 0, 2 }).data<float>().ToArray();
            var regret = trace.Regret.sum(dim: 0).view(n, _env.Batch).mean(new long[] { 1 }).data<float>().ToArray();
            for (int c = 0; c < n; c++)
            {
                result[c0 + c, 0] = before[c];
                result[c0 + c, 1] = after[c];
                result[c0 + c, 2] = regret[c] / _ucbRegret;
            }
        }
        return result;
    }

    /// <summary>
    /// The reference path of <see cref="Evaluate"/>: every copy loaded into one working network and rolled out through
    /// <see cref="StudentPolicy"/>, one copy after another (slower; the same numbers up to float rounding).
    /// </summary>
    public double[,] EvaluateOneByOne(IReadOnlyList<Tensor> parameters, CancellationToken cancellationToken = default)
    {
        CheckStacks(parameters);
        long k = parameters[0].shape[0];
        var result = new double[k, 3];
        for (int c = 0; c < k; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (no_grad())
                for (int i = 0; i < parameters.Count; i++) _workParameters[i].Tensor.copy_(parameters[i][c]);
            using var policy = new StudentPolicy(_work);
            var (before, after, regret) = Roll(policy, cancellationToken);
            result[c, 0] = before;
            result[c, 1] = after;
            result[c, 2] = regret / _ucbRegret;
        }
        return result;
    }

    void CheckStacks(IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count != Parameters.Count)
            throw new ArgumentException($"{parameters.Count} tensors for a student with {Parameters.Count} parameters: give one stack per parameter.");
    }

    /// <summary>The evaluation episodes replicated for <paramref name="copies"/> copies (kept: a sweep asks for the same sizes again).</summary>
    BanditEnvironment Replicated(int copies)
    {
        if (!_replicated.TryGetValue(copies, out var env))
        {
            env = _env.Replicate(copies);
            _replicated[copies] = env;
        }
        return env;
    }

    /// <inheritdoc />
    /// <remarks>
    /// <paramref name="copies"/> copies of the clean student rolled out together (<see cref="StackedStudentPolicy.OutputHook"/>,
    /// torch ops), in chunks of at most <see cref="MaxRowsPerBatch"/> LSTM rows as <see cref="Evaluate(IReadOnlyList{Tensor}, CancellationToken)"/>;
    /// the hook is called at every pull on every layer of a chunk, so each copy's noise is relative to its own activations at that pull.
    /// </remarks>
    public double[,] EvaluateWithHook(int copies, Func<int, Tensor, Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (copies < 1) throw new ArgumentException($"copies = {copies}: evaluate at least one copy.", nameof(copies));
        return Roll(copies, (c0, n) => new StackedStudentPolicy(_work, Parameters.Select(p => p.Value.unsqueeze(0).expand([n, .. p.Shape])).ToList())
            { OutputHook = hook, Path = StudentRolloutPath.Torch }, CancellationToken.None);
    }

    /// <summary>The metrics of any bandit policy on the evaluation episodes, in <see cref="Metrics"/> order (e.g. a demonstrator's own).</summary>
    public double[] EvaluatePolicy(IBanditPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var (before, after, regret) = Roll(policy, cancellationToken);
        return [before, after, regret / _ucbRegret];
    }

    /// <inheritdoc />
    public string Kind => "a bandit student";

    /// <inheritdoc />
    public IReadOnlyList<FineTuneTarget> Targets => StudentDemonstrator.Targets;

    /// <inheritdoc />
    /// <remarks>
    /// The rate the student's training ended on: a tenth of its <see cref="BanditTrainingOptions.LearningRate"/>, where the cosine
    /// schedule stops (1e-3 for the defaults). A full Adam step at the training's peak rate (1e-2) moves every weight by about
    /// that much and by itself takes the default student's agreement after the horizon from 0.81 to 0.16 under the control.
    /// </remarks>
    public double DefaultLearningRate => 0.1 * _training.LearningRate;

    /// <inheritdoc />
    public string ControlDescription => "UCB1 demonstrations on fresh bandits";

    /// <inheritdoc />
    /// <remarks>Agreement with UCB1 after the training horizon, towards the demonstrator's own agreement on the evaluation episodes.</remarks>
    public (string Metric, double Level) Goal(FineTuneTarget target)
    {
        using var demonstrator = new StudentDemonstrator(target).AsPolicy();
        return (AgreementAfter, EvaluatePolicy(demonstrator)[1]);
    }

    /// <inheritdoc />
    public IFineTuneCopies FineTune(FineTuneTarget? target, FineTuneAttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new StudentFineTuning(_clean, _training, new StudentDemonstrator(target), options, options.LearningRate ?? DefaultLearningRate,
            target is null ? 1 : 0, Device);
    }

    (double Before, double After, double Regret) Roll(IBanditPolicy policy, CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var trace = BanditRollout.Run(_env, policy, _horizon, policySeed: 1, trackAgreement: true, cancellationToken: cancellationToken);
        var agree = trace.Agreement!;                                                     // (T, B)
        double before = agree[.._trainHorizon].mean().item<float>();
        double after = agree[_trainHorizon..].mean().item<float>();
        double regret = trace.Regret.sum(dim: 0).mean().item<float>();                          // cumulative to the horizon, mean over episodes
        return (before, after, regret);
    }

    public void Dispose()
    {
        _work.Dispose();
        _env.Dispose();
        foreach (var env in _replicated.Values) env.Dispose();
        _replicated.Clear();
    }
}
