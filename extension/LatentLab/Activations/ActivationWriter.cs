using LatentLab.Formats;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Activations;

/// <summary>
/// Streams activations (N, L, P, D) to disk as a model produces them, one question (or a batch of questions) or one
/// layer at a time, so a producer never holds them whole. Float16 by default (half the bytes of float32; values beyond
/// +-65504 are refused with a message: write bfloat16 or float32 then). What it writes loads with
/// <see cref="ActivationSet.Load"/> (and numpy / safetensors in Python):
/// <list type="bullet">
/// <item><c>.npy</c>: one (N, L, P, D) array, questions appended in order; N may be left open (counted) and
/// the header is rewritten with it at <see cref="Complete"/>. Labels go in a file of their own
/// (<c>NpyFile.Write("labels.npy", ArrayDType.Int64, ...)</c>).</item>
/// <item><c>.safetensors</c>: one (N, P, D) tensor per layer, <c>layer_0</c> ... <c>layer_{L-1}</c>, and a <c>labels</c> (N,)
/// int64 tensor; N is declared up front; questions and layers may arrive in any interleaving.</item>
/// </list>
/// <code>
/// using var w = ActivationWriter.CreateSafetensors("acts.safetensors", questions: N, layers: L, positions: P, dim: D);
/// foreach (var q in questions) w.AppendQuestion(hidden);   // (L, P, D), any float type, any device
/// w.SetLabels(answers);
/// w.Complete();                                            // nothing is at the path until this succeeds
/// </code>
/// </summary>
public sealed class ActivationWriter : IDisposable
{
    const string LabelsTensor = "labels";
    readonly NpyWriter? _npy;
    readonly SafetensorsWriter? _safetensors;
    readonly long[] _layerQuestions;   // questions written so far, per layer
    readonly long _questionBytes;      // bytes of one question of one layer: P * D * size
    bool _labelsSet;

    /// <summary>The file written by <see cref="Complete"/>.</summary>
    public string Path { get; }
    public ArrayDType DType { get; }
    /// <summary>N, or null when a .npy writer counts the questions.</summary>
    public int? Questions { get; }
    public int Layers { get; }
    public int Positions { get; }
    public int Dim { get; }
    /// <summary>Questions complete in every layer so far.</summary>
    public long QuestionsWritten => _layerQuestions.Min();

    ActivationWriter(string path, ArrayDType dtype, int? questions, int layers, int positions, int dim, bool labels)
    {
        Path = path;
        DType = dtype;
        (Questions, Layers, Positions, Dim) = (questions, layers, positions, dim);
        _layerQuestions = new long[layers];
        _questionBytes = (long)positions * dim * ArrayDTypes.Size(dtype);
        if (System.IO.Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase))
        {
            _npy = NpyWriter.Create(path, dtype, [layers, positions, dim], questions);
        }
        else
        {
            var specs = Enumerable.Range(0, layers).Select(l => new TensorSpec($"layer_{l}", dtype, [questions!.Value, positions, dim])).ToList();
            if (labels) specs.Add(new TensorSpec(LabelsTensor, ArrayDType.Int64, [questions!.Value]));
            _safetensors = SafetensorsWriter.Create(path, specs, new Dictionary<string, string> { ["format"] = "latentlab-activations", ["layout"] = "N,P,D per layer" });
        }
        _labelsSet = !labels;
    }

    /// <summary>Starts a .npy file of activations (N, L, P, D); <paramref name="questions"/> null counts them.</summary>
    public static ActivationWriter CreateNpy(string path, int layers, int positions, int dim, int? questions = null, ArrayDType dtype = ArrayDType.Float16)
    {
        Check(path, ".npy", questions ?? 1, layers, positions, dim, dtype);
        if (dtype == ArrayDType.BFloat16)
            throw new ArgumentException("numpy has no bfloat16, so .npy cannot hold it: write float16 or float32 to .npy, or bfloat16 with CreateSafetensors.", nameof(dtype));
        return new ActivationWriter(path, dtype, questions, layers, positions, dim, labels: false);
    }

    /// <summary>Starts a .safetensors file with one (N, P, D) tensor per layer and, when <paramref name="labels"/>, an int64 "labels" (N,) tensor.</summary>
    public static ActivationWriter CreateSafetensors(string path, int questions, int layers, int positions, int dim, ArrayDType dtype = ArrayDType.Float16, bool labels = true)
    {
        Check(path, ".safetensors", questions, layers, positions, dim, dtype);
        return new ActivationWriter(path, dtype, questions, layers, positions, dim, labels);
    }

    static void Check(string path, string extension, int questions, int layers, int positions, int dim, ArrayDType dtype)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!System.IO.Path.GetExtension(path).Equals(extension, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"'{path}' does not end in {extension}; name the file after its format (readers choose by the extension).", nameof(path));
        if (questions < 1 || layers < 1 || positions < 1 || dim < 1)
            throw new ArgumentOutOfRangeException(nameof(questions), $"activations (N={questions}, L={layers}, P={positions}, D={dim}): every size must be >= 1.");
        if (!ArrayDTypes.IsFloat(dtype))
            throw new ArgumentException($"activations are written as float16 (default), bfloat16, float32 or float64, not {ArrayDTypes.Name(dtype)}.", nameof(dtype));
    }

    /// <summary>Appends the next question (L, P, D), or the next b questions (b, L, P, D): any float type, any device.</summary>
    public void AppendQuestion(torch.Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        TorchRuntime.EnsureInitialized();
        bool one = hidden.dim() == 3;
        if (!(one || hidden.dim() == 4) || hidden.shape[^3] != Layers || hidden.shape[^2] != Positions || hidden.shape[^1] != Dim)
            throw new ArgumentException($"{Name}: a question's activations have shape ({string.Join(", ", hidden.shape)}); expected (L={Layers}, P={Positions}, D={Dim}) " +
                $"or a batch (b, {Layers}, {Positions}, {Dim}).", nameof(hidden));
        long b = one ? 1 : hidden.shape[0];
        CheckRoom(b, "questions");
        using var scope = torch.NewDisposeScope();
        var h = Stored(hidden, "questions " + QuestionsWritten + (b > 1 ? $"..{QuestionsWritten + b - 1}" : ""));
        if (_npy is not null) WriteBytes(h, _npy.Append);                                  // (b, L, P, D) in C order
        else
        {
            var batch = one ? h.unsqueeze(0) : h;                                           // (b, L, P, D)
            for (int l = 0; l < Layers; l++)
                WriteBytes(batch.select(1, l).contiguous(), bytes => _safetensors!.Append($"layer_{l}", bytes)); // (b, P, D)
        }
        for (int l = 0; l < Layers; l++) _layerQuestions[l] += b;
    }

    /// <summary>Appends a question given as L * P * D floats in (L, P, D) order.</summary>
    public void AppendQuestion(ReadOnlySpan<float> hidden)
    {
        if (hidden.Length != (long)Layers * Positions * Dim)
            throw new ArgumentException($"{Name}: {hidden.Length} values for one question; expected L * P * D = {Layers} * {Positions} * {Dim} = {(long)Layers * Positions * Dim}.", nameof(hidden));
        TorchRuntime.EnsureInitialized();
        using var t = torch.tensor(hidden.ToArray(), [Layers, Positions, Dim]);
        AppendQuestion(t);
    }

    /// <summary>Appends the next b questions of one layer, (b, P, D) (.safetensors only; layers may be at different questions).</summary>
    public void AppendLayer(int layer, torch.Tensor states)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (_safetensors is null)
            throw new InvalidOperationException($"{Name}: a .npy array (N, L, P, D) is written question by question (AppendQuestion); to write one layer at a time use CreateSafetensors.");
        if (layer < 0 || layer >= Layers)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"{Name} has layers 0..{Layers - 1}.");
        TorchRuntime.EnsureInitialized();
        if (states.dim() != 3 || states.shape[1] != Positions || states.shape[2] != Dim)
            throw new ArgumentException($"{Name}: layer {layer}'s states have shape ({string.Join(", ", states.shape)}); expected (b, P={Positions}, D={Dim}).", nameof(states));
        long b = states.shape[0];
        if (_layerQuestions[layer] + b > Questions)
            throw new ArgumentException($"{Name}: layer {layer} has {_layerQuestions[layer]} of {Questions} questions; {b} more do not fit.", nameof(states));
        using var scope = torch.NewDisposeScope();
        var h = Stored(states, $"layer {layer}, questions {_layerQuestions[layer]}..{_layerQuestions[layer] + b - 1}");
        WriteBytes(h, bytes => _safetensors.Append($"layer_{layer}", bytes));
        _layerQuestions[layer] += b;
    }

    /// <summary>Stores one label per question (the model's answers) in the .safetensors file's "labels" tensor.</summary>
    public void SetLabels(IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (_safetensors is null || !_safetensors.Tensors.Any(t => t.Name == LabelsTensor))
            throw new InvalidOperationException($"{Name} has no labels tensor: write labels to a file of their own (NpyFile.Write(\"labels.npy\", ArrayDType.Int64, ...)), " +
                "or create a .safetensors writer with labels: true.");
        if (_labelsSet) throw new InvalidOperationException($"{Name}: the labels were set already.");
        if (labels.Count != Questions)
            throw new ArgumentException($"{Name}: {labels.Count} labels for {Questions} questions; expected one label per question.", nameof(labels));
        _safetensors.Append<long>(LabelsTensor, labels.Select(x => (long)x).ToArray());
        _labelsSet = true;
    }

    /// <summary>Finishes the file (header with the final N for .npy) and moves it into place.</summary>
    /// <exception cref="ArrayFileException">Questions or labels are missing (nothing is written to the path).</exception>
    public void Complete()
    {
        if (!_labelsSet)
        {
            Dispose();
            throw new ArrayFileException(Path, "the labels were never set; call SetLabels(answers) before Complete, or create the writer with labels: false.");
        }
        if (_npy is not null) _npy.Complete();
        else _safetensors!.Complete();
    }

    string Name => System.IO.Path.GetFileName(Path);

    void CheckRoom(long b, string what)
    {
        if (Questions is { } n && QuestionsWritten + b > n)
            throw new ArgumentException($"{Name}: {QuestionsWritten} of {n} questions written; {b} more {what} do not fit.");
    }

    /// <summary><paramref name="t"/> as a contiguous CPU tensor of the file's dtype; refuses values the dtype cannot hold.</summary>
    torch.Tensor Stored(torch.Tensor t, string where)
    {
        var stored = t.detach().to(TorchType(DType), torch.CPU).contiguous();
        if (!torch.isfinite(stored).all().item<bool>())
        {
            bool sourceFinite = !t.is_floating_point() || torch.isfinite(t.detach()).all().item<bool>();
            throw new ArgumentException(sourceFinite
                ? $"{Name}: {where} hold values beyond the range of {ArrayDTypes.Name(DType)} (+-65504 for float16); they would be stored as Inf. " +
                  "Create the writer with dtype: ArrayDType.BFloat16 (.safetensors) or ArrayDType.Float32."
                : $"{Name}: {where} hold NaN or Inf; expected finite activations. Check the model's forward pass (or the dtype it ran in).", nameof(t));
        }
        return stored;
    }

    static torch.ScalarType TorchType(ArrayDType t) => t switch
    {
        ArrayDType.Float16 => torch.ScalarType.Float16,
        ArrayDType.BFloat16 => torch.ScalarType.BFloat16,
        ArrayDType.Float32 => torch.ScalarType.Float32,
        _ => torch.ScalarType.Float64,
    };

    delegate void ByteSink(ReadOnlySpan<byte> bytes);

    /// <summary>Hands a contiguous CPU tensor's bytes to <paramref name="sink"/> in pieces of at most 1 GB (spans are int-sized).</summary>
    static unsafe void WriteBytes(torch.Tensor t, ByteSink sink)
    {
        long total = t.numel() * t.ElementSize;
        if (total == 0) return;
        var p = (byte*)TensorMemory.Pointer(t);
        for (long at = 0; at < total; at += 1L << 30)
            sink(new ReadOnlySpan<byte>(p + at, (int)Math.Min(1L << 30, total - at)));
    }

    /// <summary>Without <see cref="Complete"/>: deletes the partial file (the path keeps whatever it held before).</summary>
    public void Dispose()
    {
        _npy?.Dispose();
        _safetensors?.Dispose();
    }
}
