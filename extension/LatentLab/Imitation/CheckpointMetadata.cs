namespace LatentLab.Imitation;

/// <summary>What a checkpoint records besides the weights: the config, how training went, and the versions that wrote it.</summary>
public sealed record CheckpointMetadata(
    int Format,
    BanditTrainingOptions Options,
    bool IsPartial,
    int StepsCompleted,
    double TrainingSeconds,
    double? FinalLoss,
    double? FinalAgreement,
    string LatentLabVersion,
    string TorchSharpVersion,
    string LibTorchVersion,
    DateTime SavedUtc);
