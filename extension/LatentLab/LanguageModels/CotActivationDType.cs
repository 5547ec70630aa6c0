namespace LatentLab.LanguageModels;

/// <summary>The number type <see cref="CotRecorder"/> stores activations in (.npy: numpy has no bfloat16).</summary>
public enum CotActivationDType
{
    /// <summary>Half the bytes of float32; values beyond +-65504 are refused with a message.</summary>
    Float16,
    Float32,
}
