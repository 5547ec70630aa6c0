using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// The student's training loss on recorded episodes, the one place it is written (training and fine-tuning attacks use it):
/// the cross-entropy between the student's scores and the demonstrator's soft labels, plus, where the demonstrator has an
/// index (UCB1's, or the scores of another demonstrator) and the options ask for it (<see cref="BanditTrainingOptions.IndexLossWeight"/>),
/// the cross-entropy to <see cref="TeacherLabels.IndexDistillation"/> of that index.
/// </summary>
public static class ImitationLoss
{
    /// <summary>
    /// Loss (a scalar, mean over episodes and steps) and the student's logits (b, T, K) for episodes with actions (b, T) int64,
    /// rewards (b, T) float32, labels (b, T, K) and, when the index loss is on, the demonstrator's index (b, T, K) (null: off).
    /// </summary>
    public static (Tensor Loss, Tensor Logits) Of(StudentNetwork network, Tensor actions, Tensor rewards, Tensor labels, Tensor? indices, int arms,
        BanditTrainingOptions options)
    {
        using var scope = NewDisposeScope();
        var logits = network.Forward(network.EncodeSequence(actions, rewards, arms));          // (b, T, K)
        return (FromLogits(logits, labels, indices, options).MoveToOuterDisposeScope(), logits.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The loss (a scalar, mean over episodes and steps) of the student's scores <paramref name="logits"/> (b, T, K) against
    /// the labels (b, T, K) and, when the index loss is on, the demonstrator's index (b, T, K) (null: off).
    /// </summary>
    public static Tensor FromLogits(Tensor logits, Tensor labels, Tensor? indices, BanditTrainingOptions options)
    {
        using var scope = NewDisposeScope();
        var logProbs = nn.functional.log_softmax(logits, -1);
        var loss = -(labels * logProbs).sum(-1).mean();
        if (indices is not null)
        {
            var target = TeacherLabels.IndexDistillation(indices, labels, options.IndexScale);
            loss = loss + (-(target * logProbs).sum(-1).mean()) * options.IndexLossWeight;
        }
        return loss.MoveToOuterDisposeScope();
    }
}
