using LatentLab.Bandits;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// The trained student as a bandit policy: one LSTM step per pull, no gradients, arm = highest score
/// (ties to the lowest index). Its hidden state is where it keeps what it has learned about the arms.
/// </summary>
public sealed class StudentPolicy : IBanditPolicy
{
    readonly StudentNetwork _network;
    (Tensor H, Tensor C)? _state;
    Tensor? _lastActions, _lastRewards;
    long _batch;
    int _arms;
    Device _device = CPU;

    /// <summary>The student's name in evaluation results.</summary>
    public const string PolicyName = "student";

    public StudentPolicy(StudentNetwork network) => _network = network;

    public string Name => PolicyName;

    /// <summary>(B, K) scores of the last step (null before the first).</summary>
    public Tensor? LastLogits { get; private set; }

    public void Reset(long batch, int arms, Device device, long seed)
    {
        if (arms != _network.Arms && _network.Architecture != StudentArchitecture.PerArm)
            throw new ArgumentException($"This student was trained on {_network.Arms} arms and cannot play {arms}-armed bandits; evaluate with --arms {_network.Arms}.");
        Clear();
        _batch = batch;
        _arms = arms;
        _device = device;
    }

    public Tensor Act(int step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = _network.EncodeStep(_lastActions, _lastRewards, _batch, step, _device, _arms);
        var (logits, state, _) = _network.Run(x, _state);
        var scores = logits.squeeze(1);                                               // (B, K)
        DisposeState();
        _state = (state.H.DetachFromDisposeScope(), state.C.DetachFromDisposeScope());
        LastLogits?.Dispose();
        LastLogits = scores.DetachFromDisposeScope();
        return TieBreaking.FirstNearMaximum(scores).MoveToOuterDisposeScope();
    }

    public void Observe(Tensor actions, Tensor rewards)
    {
        _lastActions?.Dispose();
        _lastRewards?.Dispose();
        _lastActions = actions.clone().DetachFromDisposeScope();
        _lastRewards = rewards.clone().DetachFromDisposeScope();
    }

    void DisposeState()
    {
        if (_state is { } s) { s.H.Dispose(); s.C.Dispose(); }
        _state = null;
    }

    void Clear()
    {
        DisposeState();
        _lastActions?.Dispose();
        _lastRewards?.Dispose();
        LastLogits?.Dispose();
        _lastActions = _lastRewards = LastLogits = null;
    }

    public void Dispose() => Clear();
}
