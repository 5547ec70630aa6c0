namespace LatentLab.Imitation;

/// <summary>The teacher the student imitates.</summary>
public enum TeacherKind
{
    Ucb1,
    Thompson,
}
