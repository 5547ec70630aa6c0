using LatentLab.Bandits;
using LatentLab.Formats;
using LatentLab.Imitation.Simd;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// C copies of a student network rolled out as one batched computation: every parameter is stacked to (C, ...) (copy c's
/// weights at index c, e.g. the perturbed copies of a sweep) and one step of all copies over all episodes is a handful of
/// batched matrix products (torch.baddbmm) and element-wise ops, the LSTM cell written out (gate order i, f, g, o as in
/// nn.LSTM). As an <see cref="IBanditPolicy"/> it plays C*B episodes, copy-major: episode index c*B + b is episode b under
/// copy c (so an environment of C*B episodes, e.g. <see cref="BanditEnvironment.Replicate"/>, pairs the copies on the
/// same bandits). With C = 1 it is the fast rollout path of a single student: the same numbers as
/// <see cref="StudentPolicy"/> up to float rounding (the sums run in another order), with fewer ops per step.
/// No gradients: for evaluation, DAgger rollouts and perturbation sweeps.
/// On the CPU a step runs by default in a fused C# kernel (<see cref="FusedLstmRollout"/>, <see cref="StudentRolloutPath"/>):
/// the same cell without a torch op per gate, split over torch's thread count by blocks of episodes; the step's inputs
/// still come from the student's own encoder (<see cref="StudentNetwork.EncodeStep"/>).
/// </summary>
public sealed class StackedStudentPolicy : IBanditPolicy, IWholeRolloutPolicy
{
    readonly StudentArchitecture _architecture;
    readonly StudentNetwork _template;          // the architecture: its step features; its own weights are not used
    readonly int _netArms, _hidden, _layers;
    readonly Tensor[] _wihT, _whhT, _bias;       // per layer: (C, F or H, 4H), (C, H, 4H), (C, 1, 4H) = b_ih + b_hh
    readonly Tensor[] _headWT, _headB;           // per head Linear: (C, in, out), (C, 1, out)
    Tensor[]? _h, _c;                            // per layer (C, N, H), N = B*K (per-arm) or B (joint)
    Tensor? _lastActions, _lastRewards;
    long _batch;                                 // C*B
    int _arms;
    Device _device = CPU;
    FusedLstmRollout? _fused;                    // built on the first fused step
    float[][]? _fusedH, _fusedC;                 // per layer (C*N, Hp): the fused path's state
    float[]? _fusedScores;                       // (C*B*K): the last fused step's scores
    bool _fusedScoresCurrent;                    // the last step was fused: LastLogits is made from _fusedScores when asked for
    float[][]? _fusedScratch;                    // one per worker
    int _threads = 1;

    /// <summary>How a step is computed on the CPU (default: the fused kernel). Off the CPU, always <see cref="StudentRolloutPath.Torch"/>.</summary>
    public StudentRolloutPath Path { get; init; } = StudentRolloutPath.Fused;

    /// <summary>
    /// Optional hook on every layer's output at every step (activation noise, <c>Perturbation/ActivationNoise</c>):
    /// hook(layer, h) with h (C, N, width) returns the h the rest of the step reads. Layers 0..L-1 are the LSTM layers (the
    /// hooked h is also the state the next step reads, as nn.LSTM's output is its state; the cell state stays as computed),
    /// then the head's Linear layers (after tanh for the hidden ones), the last being the scores. A hooked policy steps with
    /// torch ops, all rows of a step in one pass (so a hook sees every row of a copy at once). <see cref="HookedLayers"/>
    /// counts the layers.
    /// </summary>
    public Func<int, Tensor, Tensor>? OutputHook { get; init; }

    /// <summary>Number of layers <see cref="OutputHook"/> is called on per step: the LSTM layers, then the head's Linear layers.</summary>
    public int HookedLayers => _layers + _headWT.Length;

    /// <summary>Whether the last step ran in the fused kernel with AVX2+FMA (false: scalar code or torch ops).</summary>
    public bool LastStepVectorized { get; private set; }

    /// <summary>Number of stacked copies.</summary>
    public int Copies { get; }

    public string Name => StudentPolicy.PolicyName;

    /// <summary>
    /// Stacks <paramref name="stacked"/>: one (C, ...) tensor per parameter of <paramref name="template"/>, in the order of
    /// <c>template.named_parameters()</c> (the same order as <see cref="StackedParameterNames"/>). The template supplies only
    /// the architecture; its own weights are not used. The tensors are copied (the caller keeps its own).
    /// </summary>
    public StackedStudentPolicy(StudentNetwork template, IReadOnlyList<Tensor> stacked)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(stacked);
        var names = StackedParameterNames(template);
        if (stacked.Count != names.Count)
            throw new ArgumentException($"{stacked.Count} stacked tensors for a student with {names.Count} parameters ({string.Join(", ", names)}): give one (C, ...) stack per parameter.", nameof(stacked));
        _architecture = template.Architecture;
        _netArms = template.Arms;
        _template = template;
        var shapes = template.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Copies = (int)stacked[0].shape[0];
        var byName = new Dictionary<string, Tensor>();
        for (int i = 0; i < names.Count; i++)
        {
            var expected = shapes[names[i]];
            var got = stacked[i].shape;
            if (got.Length != expected.Length + 1 || got[0] != Copies || !got.Skip(1).SequenceEqual(expected))
                throw new ArgumentException($"Stacked parameter {names[i]} has shape ({string.Join(", ", got)}); expected ({Copies}, {string.Join(", ", expected)}).", nameof(stacked));
            byName[names[i]] = stacked[i];
        }
        _layers = names.Count(n => n.StartsWith("lstm.weight_ih_l", StringComparison.Ordinal));
        _hidden = (int)shapes["lstm.weight_hh_l0"][1];
        using var noGrad = no_grad();
        _wihT = new Tensor[_layers];
        _whhT = new Tensor[_layers];
        _bias = new Tensor[_layers];
        for (int l = 0; l < _layers; l++)
        {
            _wihT[l] = byName[$"lstm.weight_ih_l{l}"].transpose(1, 2).contiguous().DetachFromDisposeScope();
            _whhT[l] = byName[$"lstm.weight_hh_l{l}"].transpose(1, 2).contiguous().DetachFromDisposeScope();
            _bias[l] = (byName[$"lstm.bias_ih_l{l}"] + byName[$"lstm.bias_hh_l{l}"]).unsqueeze(1).DetachFromDisposeScope();
        }
        var headWeights = names.Where(n => n.StartsWith("head", StringComparison.Ordinal) && n.EndsWith("weight", StringComparison.Ordinal)).ToList();
        _headWT = headWeights.Select(n => byName[n].transpose(1, 2).contiguous().DetachFromDisposeScope()).ToArray();
        _headB = headWeights.Select(n => byName[n[..^"weight".Length] + "bias"].unsqueeze(1).clone().DetachFromDisposeScope()).ToArray();
    }

    /// <summary>One copy: the student's own weights (C = 1).</summary>
    public static StackedStudentPolicy Of(StudentNetwork network, long blockRows = DefaultBlockRows)
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = network.parameters().ToList();
        // A network disposed behind its owner's back has no (or freed) parameters: say so, as TorchSharp's own modules do.
        if (parameters.Count == 0 || parameters.Any(p => p.IsInvalid))
            throw new ObjectDisposedException(nameof(StudentNetwork), "The student's network has been disposed, so it has no weights to roll out.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return new StackedStudentPolicy(network, parameters.Select(p => p.detach().unsqueeze(0)).ToList()) { BlockRows = blockRows };
    }

    /// <summary>The parameter names in the order the stacked constructor expects (that of named_parameters()).</summary>
    public static IReadOnlyList<string> StackedParameterNames(StudentNetwork network) =>
        network.named_parameters().Select(p => p.name).ToList();

    public void Reset(long batch, int arms, Device device, long seed)
    {
        if (arms != _netArms && _architecture != StudentArchitecture.PerArm)
            throw new ArgumentException($"This student was trained on {_netArms} arms and cannot play {arms}-armed bandits; evaluate with --arms {_netArms}.");
        if (batch % Copies != 0)
            throw new ArgumentException($"{batch} episodes for {Copies} stacked copies: give copies x episodes-per-copy episodes (copy-major).", nameof(batch));
        Clear();
        _batch = batch;
        _arms = arms;
        _device = device;
        _threads = Math.Max(1, torch.get_num_threads());
    }

    Tensor? _lastLogits;

    /// <summary>(C*B, K) scores of the last step (null before the first).</summary>
    public Tensor? LastLogits
    {
        get
        {
            // The fused path keeps its scores in managed memory; the tensor is made only when asked for.
            if (_fusedScoresCurrent && _lastLogits is null)
                _lastLogits = tensor(_fusedScores!, new long[] { _batch, _arms }).DetachFromDisposeScope();
            return _lastLogits;
        }
    }

    /// <summary>
    /// Default of the LSTM rows (over all copies) stepped by one pass of the cell's ops. The cell's ops are memory-bound at
    /// large batches (4096 episodes x 5 arms x 4H floats is 10 MB per op): blocks of this many rows keep every intermediate
    /// in a core's L2 cache, at a few more op calls per step. Every row is an independent sequence, so blocks change no
    /// number beyond float rounding in the matrix products (`bandits rollouts --block-rows N` measures other sizes).
    /// </summary>
    public const long DefaultBlockRows = 2048;

    /// <summary>LSTM rows per pass of the cell's ops (0 = all rows in one pass).</summary>
    public long BlockRows { get; init; } = DefaultBlockRows;

    public Tensor Act(int step)
    {
        if (Path != StudentRolloutPath.Torch && _device.type == DeviceType.CPU && OutputHook is null) return ActFused(step);
        return ActTorch(step);
    }

    Tensor ActTorch(int step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long c = Copies, perCopy = _batch / Copies, k = _arms;
        long rows = _architecture == StudentArchitecture.PerArm ? perCopy * k : perCopy;   // LSTM sequences per copy
        var x = Inputs(step).view(c, rows, -1);                                             // (C, N, F)
        bool first = _h is null;
        if (first)
        {
            _h = new Tensor[_layers];
            _c = new Tensor[_layers];
            for (int l = 0; l < _layers; l++)
            {
                _h[l] = zeros(c, rows, _hidden, dtype: float32, device: _device).DetachFromDisposeScope();
                _c[l] = zeros(c, rows, _hidden, dtype: float32, device: _device).DetachFromDisposeScope();
            }
        }
        long outputs = _architecture == StudentArchitecture.PerArm ? 1 : k;
        var scores = empty(c, rows, outputs, dtype: float32, device: _device);
        var hook = OutputHook;
        long block = BlockRows <= 0 || hook is not null ? rows : Math.Clamp(BlockRows / c, 1, rows);
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            using var blockScope = NewDisposeScope();
            long n = Math.Min(block, rows - r0);
            var xb = x.narrow(1, r0, n);
            for (int l = 0; l < _layers; l++)
            {
                var hb = _h![l].narrow(1, r0, n);
                var cb = _c![l].narrow(1, r0, n);
                var gates = xb.bmm(_wihT[l]).add_(_bias[l]);                                // (C, n, 4H)
                if (!first) gates = gates.add_(hb.bmm(_whhT[l]));                            // the state is zero at step 0
                var sig = gates.sigmoid();
                var i = sig.narrow(-1, 0, _hidden);
                var f = sig.narrow(-1, _hidden, _hidden);
                var g = gates.narrow(-1, 2 * _hidden, _hidden).tanh();
                var o = sig.narrow(-1, 3 * _hidden, _hidden);
                if (first) cb.copy_(i * g);
                else cb.mul_(f).addcmul_(i, g, 1);                                          // c = f*c + i*g
                var hNew = cb.tanh().mul_(o);                                               // h = o*tanh(c)
                hb.copy_(hook is null ? hNew : hook(l, hNew));
                xb = hb;
            }
            for (int j = 0; j < _headWT.Length; j++)
            {
                xb = xb.bmm(_headWT[j]).add_(_headB[j]);
                if (j < _headWT.Length - 1) xb = xb.tanh_();
                if (hook is not null) xb = hook(_layers + j, xb);
            }
            scores.narrow(1, r0, n).copy_(xb);
        }
        _lastLogits?.Dispose();
        _lastLogits = scores.reshape(_batch, k).DetachFromDisposeScope();                   // per-arm (C, B*K, 1), joint (C, B, K)
        _fusedScoresCurrent = false;
        LastStepVectorized = false;
        return TieBreaking.FirstNearMaximum(_lastLogits).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One step in the fused kernel: episodes split into blocks over the threads (<see cref="FusedRollouts.InBlocks"/>; a
    /// block's rows are stepped copy by copy), each thread choosing its episodes' arms (<see cref="TieBreaking.FirstNearMaximum(ReadOnlySpan{float})"/>). Every row's numbers are
    /// the same whatever the split, so the thread count changes no result.
    /// </summary>
    unsafe Tensor ActFused(int step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int workers = PrepareFused();
        var x = Inputs(step).to(float32).contiguous();                                  // (C*B, K, F) per-arm or (C*B, F) joint
        var actions = empty(_batch, dtype: int64);
        float* xp = (float*)TensorMemory.Pointer(x);
        long* ap = (long*)TensorMemory.Pointer(actions);
        long episodes = _batch;
        bool first = !_fusedStarted;                                                   // zero state: the recurrent products are skipped
        FusedRollouts.InBlocks(episodes, workers, (e0, e1, w) => StepFusedEpisodes(xp, ap, e0, e1, first, w));
        FinishFusedStep();
        return actions.MoveToOuterDisposeScope();
    }

    /// <summary>The network whose architecture (and step features) the copies share.</summary>
    internal StudentNetwork Template => _template;

    /// <summary>A whole rollout in one managed pass (<see cref="FusedRollouts.Play"/>) where a step would run on the fused kernel
    /// anyway (the CPU, no output hook, not the torch path); the same numbers as stepping it.</summary>
    RolloutTrace? IWholeRolloutPolicy.TryPlay(BanditEnvironment env, int horizon, bool trackAgreement, Action<int>? onStep, CancellationToken cancellationToken) =>
        FusedRollouts.Enabled && Path != StudentRolloutPath.Torch && _device.type == DeviceType.CPU && env.Device.type == DeviceType.CPU && OutputHook is null
            ? FusedRollouts.Play(this, env, horizon, trackAgreement, onStep, cancellationToken)
            : null;

    bool _fusedStarted;                          // the fused state has been stepped since the last reset

    /// <summary>
    /// Readies the fused kernel for the next step of a reset policy (built once; state and scores allocated on the first
    /// step after a reset; scratch for every worker) and returns the number of workers a step splits into: the run's
    /// threads, with at least 64 episodes per worker. For callers that build the step's inputs themselves (the DAgger
    /// rollout, <see cref="FusedRollouts"/>): then <see cref="StepFusedEpisodes"/> per block, <see cref="FinishFusedStep"/>.
    /// </summary>
    internal int PrepareFused()
    {
        _fused ??= BuildFused();
        long k = _arms;
        long rowsPerEpisode = _architecture == StudentArchitecture.PerArm ? k : 1;
        if (_fusedH is null)
        {
            (_fusedH, _fusedC) = _fused.NewState(_batch * rowsPerEpisode);
            _fusedScores = GC.AllocateArray<float>(checked((int)(_batch * k)), pinned: true);
            _fusedStarted = false;
        }
        _lastLogits?.Dispose();
        _lastLogits = null;
        int workers = (int)Math.Clamp(Math.Min(_threads, _batch / 64), 1, _threads);    // at least 64 episodes per worker
        if (_fusedScratch is null || _fusedScratch.Length < workers)
            _fusedScratch = Enumerable.Range(0, workers).Select(_ => _fused.NewScratch()).ToArray();
        return workers;
    }

    /// <summary>
    /// Steps episodes [e0, e1) in the fused kernel (after <see cref="PrepareFused"/>): reads their inputs from
    /// <paramref name="x"/> (all episodes' rows, the layout of <see cref="StudentNetwork.EncodeStep"/>: (C*B, K, F) per-arm,
    /// (C*B, F) joint), updates their state and writes each one's arm (<see cref="TieBreaking.FirstNearMaximum(ReadOnlySpan{float})"/>)
    /// to <paramref name="actions"/>[e]. <paramref name="first"/>: the first step since the reset (zero state).
    /// Blocks of different workers may run at the same time; every row's numbers are the same whatever the split.
    /// </summary>
    internal unsafe void StepFusedEpisodes(float* x, long* actions, long e0, long e1, bool first, int worker)
    {
        long k = _arms;
        long rowsPerEpisode = _architecture == StudentArchitecture.PerArm ? k : 1;
        long rowsPerCopy = _batch / Copies * rowsPerEpisode;
        long r0 = e0 * rowsPerEpisode, r1 = e1 * rowsPerEpisode;
        fixed (float* sp = _fusedScores)
        {
            while (r0 < r1)
            {
                int copy = (int)(r0 / rowsPerCopy);
                long end = Math.Min(r1, (copy + 1) * rowsPerCopy);
                _fused!.Step(copy, r0, end, x, _fusedH!, _fusedC!, sp, first, _fusedScratch![worker]);
                r0 = end;
            }
            for (long e = e0; e < e1; e++) actions[e] = TieBreaking.FirstNearMaximum(new ReadOnlySpan<float>(sp + e * k, (int)k));
        }
    }

    /// <summary>Marks a fused step done (every episode stepped): <see cref="LastLogits"/> now reads its scores.</summary>
    internal void FinishFusedStep()
    {
        _fusedStarted = true;
        _fusedScoresCurrent = true;
        LastStepVectorized = _fused!.Vector;
    }

    /// <summary>The fused kernel's copy of the weights (read once from the stacked tensors).</summary>
    FusedLstmRollout BuildFused()
    {
        static float[] Flat(Tensor t) => t.detach().cpu().to(float32).contiguous().data<float>().ToArray();
        var headShapes = _headWT.Select(w => ((int)w.shape[1], (int)w.shape[2])).ToArray();
        return new FusedLstmRollout(Copies, (int)_wihT[0].shape[1], _hidden,
            _wihT.Select(Flat).ToArray(), _whhT.Select(Flat).ToArray(), _bias.Select(Flat).ToArray(),
            headShapes, _headWT.Select(Flat).ToArray(), _headB.Select(Flat).ToArray(), vector: Path != StudentRolloutPath.FusedScalar,
            wide: Path == StudentRolloutPath.Fused);
    }

    /// <summary>This step's inputs, (C*B, K, F) per-arm or (C*B, F) joint: the student's own step features (<see cref="StudentNetwork.EncodeStep"/>).</summary>
    Tensor Inputs(int step) => _template.EncodeStep(_lastActions, _lastRewards, _batch, step, _device, _arms).squeeze(1);

    public void Observe(Tensor actions, Tensor rewards)
    {
        _lastActions?.Dispose();
        _lastRewards?.Dispose();
        _lastActions = actions.clone().DetachFromDisposeScope();
        _lastRewards = rewards.clone().DetachFromDisposeScope();
    }

    void DisposeState()
    {
        foreach (var t in _h ?? []) t.Dispose();
        foreach (var t in _c ?? []) t.Dispose();
        _h = _c = null;
    }

    void Clear()
    {
        DisposeState();
        _fusedH = _fusedC = null;
        _fusedScores = null;
        _fusedScoresCurrent = false;
        _fusedStarted = false;
        _lastActions?.Dispose();
        _lastRewards?.Dispose();
        _lastLogits?.Dispose();
        _lastActions = _lastRewards = _lastLogits = null;
    }

    public void Dispose()
    {
        Clear();
        foreach (var t in _wihT.Concat(_whhT).Concat(_bias).Concat(_headWT).Concat(_headB)) t.Dispose();
    }
}
