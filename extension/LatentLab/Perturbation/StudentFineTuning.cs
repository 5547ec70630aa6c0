using LatentLab.Imitation;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// R copies of a bandit student fine-tuned the way it was trained, each on its own n demonstrated episodes: behaviour cloning
/// (the demonstrator acts, <see cref="StudentDemonstrator.Record"/>) over the student's own training horizon and bandits
/// (<see cref="BanditTrainingOptions.TrainHorizon"/>, <see cref="BanditTrainingOptions.Spec"/> with all its arms), its own
/// loss (<see cref="ImitationLoss"/>: the index term where the demonstrator has an index and the student was trained with
/// one) and its own gradient clip; one Adam per copy at the attack's learning rate (by default the rate the student's training
/// ended on, <see cref="StudentSubject.DefaultLearningRate"/>), no schedule. The student never sees a
/// step past its training horizon here either. The copies are separate networks stepped one after another (nn.LSTM's own
/// kernels), evaluated together as one stack.
/// </summary>
sealed class StudentFineTuning : IFineTuneCopies
{
    readonly BanditTrainingOptions _training;
    readonly StudentNetwork[] _nets;                 // R copies
    readonly optim.Optimizer[] _adams;
    readonly Tensor _actions, _rewards, _labels;     // (R, n, T) int64, (R, n, T) float32, (R, n, T, K)
    readonly Tensor? _index;                         // (R, n, T, K) when the index loss is on
    readonly int _chunks;

    /// <param name="stream">0 for the attack, 1 for the control: each draws its own bandits.</param>
    public StudentFineTuning(StudentNetwork clean, BanditTrainingOptions training, StudentDemonstrator demonstrator, FineTuneAttackOptions o,
        double learningRate, int stream, Device device)
    {
        _training = training;
        int r = o.Seeds, n = o.Demonstrations, horizon = training.TrainHorizon, arms = training.Arms;
        Copies = r;
        using (var scope = NewDisposeScope())
        {
            // Demonstration sets: R x n episodes of one environment, set-major (set i = episodes i*n .. i*n + n - 1).
            var (actions, rewards, labels, index) = demonstrator.Record(training.Spec, (long)r * n, horizon, o.Seed * 2L + stream + 2_000_003L, device);
            _actions = actions.view(r, n, horizon).DetachFromDisposeScope();
            _rewards = rewards.view(r, n, horizon).DetachFromDisposeScope();
            _labels = labels.view(r, n, horizon, arms).DetachFromDisposeScope();
            _index = training.UsesIndexLoss ? index?.view(r, n, horizon, arms).DetachFromDisposeScope() : null;
        }
        _chunks = BanditTrainer.GradientChunks(n, arms, horizon, training.Architecture);
        _nets = new StudentNetwork[r];
        _adams = new optim.Optimizer[r];
        for (int i = 0; i < r; i++)
        {
            var net = StudentNetwork.Create(training);
            net.to(device);
            using (no_grad())
                foreach (var (copy, source) in net.parameters().Zip(clean.parameters())) copy.copy_(source);
            net.eval();
            _nets[i] = net;
            _adams[i] = optim.Adam(net.parameters(), learningRate);
        }
    }

    /// <inheritdoc />
    public int Copies { get; }

    /// <inheritdoc />
    /// <remarks>As one step of <see cref="BanditTrainer"/>: the loss over the whole recorded sequences (in chunks of episodes when large), clipped, one Adam step.</remarks>
    public void Step()
    {
        long n = _actions.shape[1], per = (n + _chunks - 1) / _chunks;
        for (int i = 0; i < _nets.Length; i++)
        {
            using var scope = NewDisposeScope();
            var net = _nets[i];
            net.train();
            _adams[i].zero_grad();
            for (long b0 = 0; b0 < n; b0 += per)
            {
                using var chunkScope = NewDisposeScope();
                long len = Math.Min(per, n - b0);
                var (loss, _) = ImitationLoss.Of(net, _actions[i].narrow(0, b0, len), _rewards[i].narrow(0, b0, len), _labels[i].narrow(0, b0, len),
                    _index?[i].narrow(0, b0, len), _training.Arms, _training);
                (loss * ((double)len / n)).backward();
            }
            nn.utils.clip_grad_norm_(net.parameters(), _training.GradClip);
            _adams[i].step();
            net.eval();
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<Tensor> Stacks()
    {
        var perCopy = _nets.Select(net => net.parameters().ToArray()).ToArray();     // [copy][parameter], named_parameters() order
        return Enumerable.Range(0, perCopy[0].Length).Select(p => stack(perCopy.Select(c => c[p].detach()), 0)).ToArray();   // (R, ...)
    }

    public void Dispose()
    {
        foreach (var adam in _adams) adam.Dispose();
        foreach (var net in _nets) net.Dispose();
        _actions.Dispose();
        _rewards.Dispose();
        _labels.Dispose();
        _index?.Dispose();
    }
}
