using LatentLab.Imitation;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using TorchSharp;

namespace LatentLab.Cli;

/// <summary>
/// The perturbation subjects a checkpoint file holds, told apart by the file's header: one per training seed of a policy
/// (<c>--training-seeds</c>, as in <c>#!perturb</c> and <c>#!finetune-attack</c>), or the bandit student. For
/// <c>latentlab perturb</c> and <c>latentlab finetune-attack</c>; disposing it disposes the subjects and what they were made from.
/// </summary>
public sealed class CheckpointSubjects : IDisposable
{
    readonly IDisposable? _source;

    CheckpointSubjects(string name, IReadOnlyList<IPerturbationSubject> subjects, IDisposable? source)
    {
        Name = name;
        Subjects = subjects;
        _source = source;
    }

    /// <summary>The model's name in tables: the file name without its extension.</summary>
    public string Name { get; }

    /// <summary>One subject per training seed selected (a policy), or the one student.</summary>
    public IReadOnlyList<IPerturbationSubject> Subjects { get; }

    /// <summary>Loads <paramref name="path"/> (named by <paramref name="option"/> in messages) onto <paramref name="device"/>.</summary>
    public static CheckpointSubjects Load(string option, string path, int trainingSeeds, torch.Device device)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{option} {path} is a directory; give a checkpoint file (a .policy or a student .ckpt).");
        if (!File.Exists(path)) throw new FileNotFoundException($"{option} {path}: no such file. Give a checkpoint written by rl-bake, rl-train or bandit-train.", path);
        var name = Path.GetFileNameWithoutExtension(path);
        if (PolicyCheckpoint.IsPolicyFile(path))
            return new CheckpointSubjects(name, PolicySubject.ForTrainingSeeds(name, PolicyCheckpoint.Load(path, device).Policy, trainingSeeds), null);
        if (StudentCheckpoint.IsStudentFile(path))
        {
            var student = TrainedStudent.Load(path, device);
            try
            {
                return new CheckpointSubjects(name, StudentSubject.ForTrainingSeeds(name, student, trainingSeeds), student);
            }
            catch
            {
                student.Dispose();
                throw;
            }
        }
        throw new InvalidDataException($"{option} {path} is neither a policy checkpoint (rl-bake, rl-train) nor a student checkpoint (bandit-train): " +
                                       "its header is neither LATENTLAB-RL-POLICY nor LATENTLAB-BANDIT-STUDENT. Give one of those files.");
    }

    public void Dispose()
    {
        foreach (var s in Subjects) (s as IDisposable)?.Dispose();
        _source?.Dispose();
    }
}
