using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using TorchSharp;

namespace LatentLab.Cli;

/// <summary>
/// The perturbation subjects a checkpoint file holds, told apart by the file's header: one per training seed of a policy
/// (<c>--training-seeds</c>, as in <c>#!perturb</c> and <c>#!finetune-attack</c>), the bandit student, or the cot-synthetic transformer. For
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
        if (Directory.Exists(path)) throw new ArgumentException($"{option} {path} is a directory; give a checkpoint file (a .policy, a student .ckpt or a cot-synthetic model.ckpt).");
        if (!File.Exists(path)) throw new FileNotFoundException($"{option} {path}: no such file. Give a checkpoint written by rl-bake, rl-train, bandit-train or cot-synthetic.", path);
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
        if (CotCheckpoint.IsCotFile(path))
        {
            if (trainingSeeds > 1)
                throw new ArgumentException($"--training-seeds {trainingSeeds}: '{name}' is the cot-synthetic transformer, one network (1 training seed); " +
                                            "use 0 or 1, or leave --training-seeds out.");
            var cot = CotCheckpoint.Load(path, device);
            try
            {
                return new CheckpointSubjects(name, [new CotSyntheticSubject(name, cot)], cot);
            }
            catch
            {
                cot.Dispose();
                throw;
            }
        }
        throw new InvalidDataException($"{option} {path} is neither a policy checkpoint (rl-bake, rl-train) nor a student checkpoint (bandit-train) nor a cot-synthetic " +
                                       "model (cot-synthetic): its header is not LATENTLAB-RL-POLICY, LATENTLAB-BANDIT-STUDENT or LATENTLAB-COT-TRANSFORMER. Give one of those files.");
    }

    public void Dispose()
    {
        foreach (var s in Subjects) (s as IDisposable)?.Dispose();
        _source?.Dispose();
    }
}
