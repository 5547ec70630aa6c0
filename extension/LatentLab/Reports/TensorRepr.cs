using System.Globalization;
using System.Text;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reports;

/// <summary>
/// PyTorch-style text of a tensor, e.g. <c>tensor([[1.0000, 2.5000], [3.0000, 4.0000]], shape=(2, 2), dtype=torch.float32, device='cpu')</c>
/// with PyTorch's number formatting (4 decimals, integer mode <c>1.</c>, scientific mode for wide ranges), its line
/// layout (80 columns), and its elision: past 1000 elements only the first and last 3 entries of each dimension are
/// shown, with <c>...</c> between. Unlike PyTorch, shape, dtype and device are always shown.
/// </summary>
public static class TensorRepr
{
    const int Threshold = 1000;
    const int EdgeItems = 3;
    const int LineWidth = 80;
    const int Precision = 4;
    const string Prefix = "tensor(";

    /// <summary>The repr of <paramref name="tensor"/>; reads only the shown entries (at most 6 per dimension when elided) from the device.</summary>
    public static string Format(Tensor tensor)
    {
        if (tensor.IsInvalid)
        {
            return "tensor(<disposed>)";
        }
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        long[] shape = tensor.shape;
        var dtype = DTypeName(tensor.dtype);
        var device = tensor.device_type == DeviceType.CPU ? "cpu" : $"{tensor.device_type.ToString().ToLowerInvariant()}:{tensor.device_index}";
        var numel = tensor.numel();
        bool summarize = numel > Threshold;

        // The shown entries: dimensions longer than 2*EdgeItems keep their first and last EdgeItems when summarizing.
        var shown = tensor.detach();
        var elided = new bool[shape.Length];
        if (summarize)
        {
            for (int d = 0; d < shape.Length; d++)
            {
                if (shape[d] > 2 * EdgeItems)
                {
                    elided[d] = true;
                    var index = EdgeIndices(shape[d]);
                    shown = shown.index_select(d, index.to(shown.device));
                }
            }
        }
        shown = shown.cpu();

        TensorValues values = numel == 0 ? TensorValues.Reals([]) : tensor.dtype switch
        {
            ScalarType.Bool => TensorValues.Booleans(shown.data<bool>().ToArray()),
            ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64 =>
                TensorValues.Integers(shown.to_type(ScalarType.Int64).data<long>().ToArray()),
            ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64 => TensorValues.None,
            _ => TensorValues.Reals(shown.to_type(ScalarType.Float64).data<double>().ToArray()),
        };
        return FormatValues(shape, elided, values, dtype, device, tensor.requires_grad);
    }

    static Tensor EdgeIndices(long size)
    {
        var idx = new long[2 * EdgeItems];
        for (int i = 0; i < EdgeItems; i++)
        {
            idx[i] = i;
            idx[EdgeItems + i] = size - EdgeItems + i;
        }
        return tensor(idx, ScalarType.Int64);
    }

    /// <summary>
    /// The repr from values already read (row-major). For each dimension with <paramref name="elided"/> set, the values
    /// hold only its first and last 3 entries. Pure: no torch involved.
    /// </summary>
    public static string FormatValues(IReadOnlyList<long> shape, IReadOnlyList<bool> elided, TensorValues values, string dtype, string device, bool requiresGrad = false)
    {
        var body = new StringBuilder(Prefix);
        long numel = shape.Aggregate(1L, (a, b) => a * b);
        if (values.Kind == TensorValues.ValueKind.None)
        {
            body.Append("<values of ").Append(dtype).Append(" are not shown>");
        }
        else if (numel == 0)
        {
            body.Append("[]");
        }
        else
        {
            var shownShape = shape.Select((s, d) => elided[d] ? 2 * EdgeItems : (int)s).ToArray();
            var formatter = new NumberFormatter(values);
            body.Append(Block(values, formatter, shownShape, elided, 0, 0, Prefix.Length));
        }
        var suffixes = new List<string>
        {
            "shape=" + ShapeText(shape),
            "dtype=" + dtype,
            $"device='{device}'",
        };
        if (requiresGrad)
        {
            suffixes.Add("requires_grad=True");
        }
        return AddSuffixes(body.ToString(), suffixes, Prefix.Length);
    }

    /// <summary>Python tuple style: <c>()</c>, <c>(5,)</c>, <c>(2, 3)</c>.</summary>
    public static string ShapeText(IReadOnlyList<long> shape) => shape.Count switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => "(" + string.Join(", ", shape) + ")",
    };

    /// <summary>PyTorch's dtype names: <c>torch.float32</c>, <c>torch.int64</c>, <c>torch.bool</c>, ...</summary>
    public static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "torch.float32",
        ScalarType.Float64 => "torch.float64",
        ScalarType.Float16 => "torch.float16",
        ScalarType.BFloat16 => "torch.bfloat16",
        ScalarType.Int8 => "torch.int8",
        ScalarType.Byte => "torch.uint8",
        ScalarType.Int16 => "torch.int16",
        ScalarType.Int32 => "torch.int32",
        ScalarType.Int64 => "torch.int64",
        ScalarType.Bool => "torch.bool",
        ScalarType.ComplexFloat32 => "torch.complex64",
        ScalarType.ComplexFloat64 => "torch.complex128",
        _ => "torch." + type.ToString().ToLowerInvariant(),
    };

    // One block of the nested list: dimension `dim` starting at flat offset `offset` of the shown values.
    static string Block(TensorValues values, NumberFormatter formatter, int[] shape, IReadOnlyList<bool> elided, int dim, long offset, int indent)
    {
        if (shape.Length == 0)
        {
            return formatter.Format(values, 0);
        }
        long stride = 1;
        for (int d = dim + 1; d < shape.Length; d++) stride *= shape[d];
        int count = shape[dim];

        if (dim == shape.Length - 1)
        {
            var items = new List<string>();
            for (int i = 0; i < count; i++)
            {
                if (elided[dim] && i == EdgeItems) items.Add(" ...");
                items.Add(formatter.Format(values, offset + i));
            }
            int perLine = Math.Max(1, (LineWidth - indent) / (formatter.Width + 2));
            var lines = items.Chunk(perLine).Select(chunk => string.Join(", ", chunk));
            return "[" + string.Join(",\n" + new string(' ', indent + 1), lines) + "]";
        }

        var slices = new List<string>();
        for (int i = 0; i < count; i++)
        {
            if (elided[dim] && i == EdgeItems) slices.Add("...");
            slices.Add(Block(values, formatter, shape, elided, dim + 1, offset + i * stride, indent + 1));
        }
        int remaining = shape.Length - dim;
        return "[" + string.Join("," + new string('\n', remaining - 1) + new string(' ', indent + 1), slices) + "]";
    }

    static string AddSuffixes(string tensorText, IReadOnlyList<string> suffixes, int indent)
    {
        var text = new StringBuilder(tensorText);
        int lastLineLength = tensorText.Length - tensorText.LastIndexOf('\n') + 1;
        foreach (var suffix in suffixes)
        {
            if (lastLineLength + suffix.Length + 2 > LineWidth)
            {
                text.Append(",\n").Append(' ', indent).Append(suffix);
                lastLineLength = indent + suffix.Length;
            }
            else
            {
                text.Append(", ").Append(suffix);
                lastLineLength += suffix.Length + 2;
            }
        }
        return text.Append(')').ToString();
    }

    // PyTorch's _Formatter: one width and one mode for every shown value.
    sealed class NumberFormatter
    {
        readonly bool _real;
        readonly bool _intMode = true;
        readonly bool _sciMode;

        public NumberFormatter(TensorValues values)
        {
            _real = values.Kind == TensorValues.ValueKind.Real;
            Width = 1;
            if (!_real)
            {
                for (long i = 0; i < values.Count; i++) Width = Math.Max(Width, Raw(values, i).Length);
                return;
            }
            var finite = values.RealValues.Where(v => double.IsFinite(v) && v != 0).ToArray();
            if (finite.Length == 0)
            {
                return;
            }
            double min = finite.Min(Math.Abs), max = finite.Max(Math.Abs);
            _intMode = finite.All(v => v == Math.Ceiling(v));
            _sciMode = _intMode ? max / min > 1000.0 || max > 1.0e8 : max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4;
            foreach (var v in finite)
            {
                var text = _sciMode ? Sci(v) : _intMode ? v.ToString("F0", CultureInfo.InvariantCulture) + "." : Fixed(v);
                Width = Math.Max(Width, text.Length);
            }
        }

        public int Width { get; }

        public string Format(TensorValues values, long index)
        {
            var text = _real ? Real(values.RealValues[index]) : Raw(values, index);
            return text.PadLeft(Width);
        }

        string Real(double v)
        {
            if (double.IsNaN(v)) return "nan";
            if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
            return _sciMode ? Sci(v) : _intMode ? v.ToString("F0", CultureInfo.InvariantCulture) + "." : Fixed(v);
        }

        static string Raw(TensorValues values, long index) => values.Kind switch
        {
            TensorValues.ValueKind.Integer => values.IntegerValues[index].ToString(CultureInfo.InvariantCulture),
            TensorValues.ValueKind.Boolean => values.BooleanValues[index] ? "True" : "False",
            _ => "?",
        };

        static string Fixed(double v) => v.ToString("F" + Precision, CultureInfo.InvariantCulture);

        static string Sci(double v) => v.ToString("0." + new string('0', Precision) + "e+00", CultureInfo.InvariantCulture);
    }
}
