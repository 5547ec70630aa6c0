namespace LatentLab.Reports;

/// <summary>The values of a tensor read to the CPU, row-major, for <see cref="TensorRepr.FormatValues"/>.</summary>
public sealed class TensorValues
{
    public enum ValueKind { None, Real, Integer, Boolean }

    TensorValues(ValueKind kind, double[]? reals, long[]? integers, bool[]? booleans)
    {
        Kind = kind;
        RealValues = reals ?? [];
        IntegerValues = integers ?? [];
        BooleanValues = booleans ?? [];
    }

    public ValueKind Kind { get; }
    public double[] RealValues { get; }
    public long[] IntegerValues { get; }
    public bool[] BooleanValues { get; }

    public long Count => Kind switch
    {
        ValueKind.Real => RealValues.Length,
        ValueKind.Integer => IntegerValues.Length,
        ValueKind.Boolean => BooleanValues.Length,
        _ => 0,
    };

    public static TensorValues Reals(double[] values) => new(ValueKind.Real, values, null, null);
    public static TensorValues Integers(long[] values) => new(ValueKind.Integer, null, values, null);
    public static TensorValues Booleans(bool[] values) => new(ValueKind.Boolean, null, null, values);
    public static TensorValues None { get; } = new(ValueKind.None, null, null, null);
}
