namespace LatentLab.Formats;

/// <summary>A tensor to be written: its name, element type and shape (C order). Its data comes later, streamed.</summary>
public sealed record TensorSpec(string Name, ArrayDType DType, long[] Shape);
