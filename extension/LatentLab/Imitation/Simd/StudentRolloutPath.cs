namespace LatentLab.Imitation.Simd;

/// <summary>How <see cref="StackedStudentPolicy"/> computes a step on the CPU.</summary>
public enum StudentRolloutPath
{
    /// <summary>
    /// The fused C# kernel (<see cref="FusedLstmRollout"/>): AVX2+FMA code where the CPU has both (its cell updates sixteen
    /// lanes at a time where it has AVX-512 too), otherwise scalar code that gives the same bits. The default on the CPU;
    /// other devices use <see cref="Torch"/>.
    /// </summary>
    Fused,

    /// <summary>The fused kernel's eight-lane AVX2+FMA code even where AVX-512 is available (the same numbers as <see cref="Fused"/>).</summary>
    FusedEightLanes,

    /// <summary>The fused kernel's scalar code even where AVX2+FMA is available (the same numbers as <see cref="Fused"/>).</summary>
    FusedScalar,

    /// <summary>TorchSharp ops (batched matrix products and element-wise ops per step): the reference, and the only path off the CPU.</summary>
    Torch,
}
