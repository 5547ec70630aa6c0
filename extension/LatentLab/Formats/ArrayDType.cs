namespace LatentLab.Formats;

/// <summary>Element types LatentLab reads from .npy / .npz / .safetensors files.</summary>
public enum ArrayDType
{
    Float16,
    BFloat16,
    Float32,
    Float64,
    Int8,
    UInt8,
    Int16,
    Int32,
    Int64,
    Bool,
}
