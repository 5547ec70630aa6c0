using System.Globalization;
using LatentLab.Formats;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Activations;

/// <summary>
/// Hidden states of a model on N questions: activations (N, L, P, D) (layers x chain positions x width), one label
/// (the model's final answer) per question, and optionally group ids (folds never split a group), answer-letter
/// baseline scores (N, P, C) and chain lengths (N). Activations stay where they are (memory-mapped file, archive or
/// tensor) and are read one layer at a time with <see cref="ReadLayer"/>.
/// </summary>
public sealed class ActivationSet : IDisposable
{
    readonly LayerSource _source;
    readonly string _labelsFrom;

    /// <summary>N: questions.</summary>
    public int Count { get; }
    /// <summary>L: layers (for a transformer usually the embedding plus one per block).</summary>
    public int Layers { get; }
    /// <summary>P: token positions.</summary>
    public int Positions { get; }
    /// <summary>D: width of the hidden state.</summary>
    public int Dim { get; }
    /// <summary>Class index (0..C-1) of each question's label.</summary>
    public IReadOnlyList<int> Labels { get; }
    /// <summary>The label value behind each class index (sorted: numerically when all labels are integers).</summary>
    public IReadOnlyList<string> ClassNames { get; }
    public int ClassCount => ClassNames.Count;
    /// <summary>Group id (0..G-1) of each question, or null.</summary>
    public IReadOnlyList<int>? Groups { get; }
    /// <summary>Answer-letter scores, (N, P, C) row-major with columns in class order, or null.</summary>
    public float[]? BaselineScores { get; }
    /// <summary>Chain length of each question (1..P; valid positions are 0..length-1), or null when all use P.</summary>
    public IReadOnlyList<int>? Lengths { get; }
    /// <summary>Where the activations come from, e.g. "acts.npy (float16, memory-mapped)".</summary>
    public string Source => _source.Description;

    internal ActivationSet(LayerSource source, int n, int l, int p, int d, string[] rawLabels, string labelsFrom,
        string[]? rawGroups, string? groupsFrom, float[]? baseline, int baselineClasses, string? baselineFrom,
        int[]? lengths, string? lengthsFrom)
    {
        _source = source;
        (Count, Layers, Positions, Dim) = (n, l, p, d);
        if (n < 2 || l < 1 || p < 1 || d < 1)
            throw new ActivationFileException(source.File, $"activations have shape (N={n}, L={l}, P={p}, D={d}); expected at least 2 questions and L, P, D >= 1.");
        if (rawLabels.Length != n)
            throw new ActivationFileException(labelsFrom, $"{rawLabels.Length} labels for {n} questions in {Path.GetFileName(source.File)}; expected one label per question (N = {n}).");
        (Labels, ClassNames) = Classes(rawLabels);
        _labelsFrom = labelsFrom;   // a single class is a valid set (a partly trained model may answer one letter): a probe refuses it
        if (rawGroups is not null)
        {
            if (rawGroups.Length != n)
                throw new ActivationFileException(groupsFrom!, $"{rawGroups.Length} group ids for {n} questions; expected one group id per question.");
            var ids = new Dictionary<string, int>();
            Groups = rawGroups.Select(g => ids.TryGetValue(g, out var k) ? k : ids[g] = ids.Count).ToArray();
        }
        if (lengths is not null)
        {
            if (lengths.Length != n)
                throw new ActivationFileException(lengthsFrom!, $"{lengths.Length} lengths for {n} questions; expected one chain length per question.");
            int bad = Array.FindIndex(lengths, x => x < 1 || x > p);
            if (bad >= 0)
                throw new ActivationFileException(lengthsFrom!, $"question {bad} has length {lengths[bad]}; expected 1 <= length <= P = {p} (the positions in the activations).");
            Lengths = lengths;
        }
        if (baseline is not null)
            BaselineScores = MapBaseline(baseline, baselineClasses, baselineFrom!, n, p);
    }

    /// <summary>Reads layer <paramref name="layer"/> as a new float32 CPU tensor (N, P, D) the caller owns. Throws on NaN/Inf.</summary>
    public torch.Tensor ReadLayer(int layer)
    {
        TorchRuntime.EnsureInitialized();
        ThrowIfDisposed();
        if (layer < 0 || layer >= Layers) throw new ArgumentOutOfRangeException(nameof(layer), $"layer {layer} does not exist; this set has layers 0..{Layers - 1}.");
        var t = _source.ReadLayer(layer);
        using (torch.NewDisposeScope())
        {
            var finite = torch.isfinite(t);
            if (!finite.all().item<bool>())
            {
                var flat = (~finite).reshape(-1).nonzero()[0, 0].item<long>();
                float v = t.reshape(-1)[flat].item<float>();
                t.Dispose();
                throw NotFinite(layer, flat, v);
            }
        }
        return t;
    }

    /// <summary>
    /// Writes layer <paramref name="layer"/> into <paramref name="dest"/> (P, N, D+1) contiguous float32 CPU (last column
    /// untouched), checking for NaN/Inf. The probe sweep's layout, read without an (N, P, D) intermediate where possible.
    /// </summary>
    internal unsafe void ReadLayerTransposed(int layer, torch.Tensor dest)
    {
        ThrowIfDisposed();
        _source.ReadLayerTransposed(layer, dest);
        var basePtr = (float*)TensorMemory.Pointer(dest);
        int n = Count, p = Positions, d = Dim;
        long bad = -1;
        Parallel.For(0, p, t =>
        {
            for (long i = 0; i < n && Interlocked.Read(ref bad) < 0; i++)
            {
                float* row = basePtr + ((long)t * n + i) * (d + 1);
                for (int j = 0; j < d; j++)
                    if (!float.IsFinite(row[j])) { Interlocked.CompareExchange(ref bad, ((i * p) + t) * d + j, -1); break; }
            }
        });
        if (bad >= 0)
        {
            long q = bad / ((long)p * d), pos = bad / d % p, dim = bad % d;
            throw NotFinite(layer, bad, basePtr[(pos * n + q) * (d + 1) + dim]);
        }
    }

    /// <summary>The error for a NaN/Inf <paramref name="value"/> at flat (N, P, D) index <paramref name="flat"/> of a layer.</summary>
    ActivationFileException NotFinite(int layer, long flat, float value)
    {
        long q = flat / ((long)Positions * Dim), pos = flat / Dim % Positions, dim = flat % Dim;
        return new ActivationFileException(_source.File, $"layer {layer} holds {value} at question {q}, position {pos}, dim {dim}; expected finite numbers. " +
            "Check the export (float16 overflow gives Inf: export float32 or bfloat16).");
    }

    /// <summary>
    /// Activations from a tensor (N, L, P, D) of any float type on any device. A contiguous CPU tensor of float16,
    /// bfloat16, float32 or float64 is not copied: the set shares its memory (so do not modify it in place afterwards;
    /// disposing your handle is fine) and converts one layer at a time to float32 when it is read. Any other tensor is
    /// copied once to CPU in its own float type (integers to float32): at most one more copy of the array, never a
    /// float32 widening of a float16 one.
    /// </summary>
    /// <param name="labels">One label per question (any integers, e.g. the model's answer 0..C-1).</param>
    /// <param name="baselineScores">Optional (N, P, C) answer-letter scores; column c belongs to label value c.</param>
    public static ActivationSet FromTensor(torch.Tensor activations, IReadOnlyList<int> labels, IReadOnlyList<int>? groups = null,
        torch.Tensor? baselineScores = null, IReadOnlyList<int>? lengths = null, string description = "in-memory activations")
    {
        TorchRuntime.EnsureInitialized();
        ArgumentNullException.ThrowIfNull(activations);
        if (activations.IsInvalid)
            throw new ActivationFileException(description, "the activations tensor has been disposed; pass a live tensor (N, L, P, D), e.g. before its dispose scope ends.");
        if (activations.dim() != 4)
            throw new ActivationFileException(description, $"activations have shape ({string.Join(", ", activations.shape)}); expected 4 dimensions (N, L, P, D).");
        var shape = activations.shape;
        var copy = Held(activations).DetachFromDisposeScope();
        float[]? baseline = null;
        int c = 0;
        if (baselineScores is not null)
        {
            if (baselineScores.dim() != 3 || baselineScores.shape[0] != shape[0] || baselineScores.shape[1] != shape[2])
            {
                copy.Dispose();
                throw new ActivationFileException(description, $"baseline scores have shape ({string.Join(", ", baselineScores.shape)}); expected (N={shape[0]}, P={shape[2]}, C).");
            }
            c = (int)baselineScores.shape[2];
            baseline = baselineScores.detach().to(torch.float32, torch.CPU).contiguous().data<float>().ToArray();
        }
        return Owning(copy, () => new ActivationSet(new InMemoryLayerSource(copy, description), (int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3],
            labels.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(), description,
            groups?.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(), description, baseline, c, description,
            lengths?.ToArray(), description));
    }

    /// <summary>The tensor an in-memory set keeps: <paramref name="t"/>'s own memory when it is a contiguous CPU float tensor.</summary>
    static torch.Tensor Held(torch.Tensor t)
    {
        bool keepsType = t.dtype is torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Float32 or torch.ScalarType.Float64;
        var detached = t.detach();                                                        // (N, L, P, D): a new handle on t's memory
        if (keepsType && detached.device_type == DeviceType.CPU && detached.is_contiguous())
            return detached;
        using (detached)
            return detached.to(keepsType ? detached.dtype : torch.float32, torch.CPU).contiguous().clone(); // one copy, own float type
    }

    /// <summary>Activations from a row-major float array of shape (N, L, P, D).</summary>
    public static ActivationSet FromArray(float[] activations, int n, int l, int p, int d, IReadOnlyList<int> labels,
        IReadOnlyList<int>? groups = null, float[]? baselineScores = null, int baselineClasses = 0, IReadOnlyList<int>? lengths = null,
        string description = "in-memory activations")
    {
        TorchRuntime.EnsureInitialized();
        if ((long)n * l * p * d != activations.Length)
            throw new ActivationFileException(description, $"{activations.Length} numbers given for shape (N={n}, L={l}, P={p}, D={d}) = {(long)n * l * p * d}.");
        var t = torch.tensor(activations, [n, l, p, d], torch.float32).DetachFromDisposeScope();
        return Owning(t, () => new ActivationSet(new InMemoryLayerSource(t, description), n, l, p, d,
            labels.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(), description,
            groups?.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(), description,
            baselineScores, baselineClasses, description, lengths?.ToArray(), description));
    }

    /// <summary>Builds a set over <paramref name="held"/>, disposing it when the labels, groups or shape are refused.</summary>
    static ActivationSet Owning(torch.Tensor held, Func<ActivationSet> build)
    {
        try { return build(); }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads activations from .npy (N, L, P, D) or (N, P, D), .npz or .safetensors (one (N, L, P, D) array, or one (N, P, D)
    /// array per layer, stacked in natural name order), with labels, groups, baseline scores and lengths from their own files
    /// (.npy/.csv/.jsonl/.txt; baseline .npy/.npz/.safetensors) or from arrays named labels, groups, baseline, lengths inside
    /// the .npz/.safetensors. .npy and .safetensors are memory-mapped: nothing is read until a layer is needed.
    /// </summary>
    public static ActivationSet Load(string activations, string? labels = null, string? groups = null, string? baseline = null, string? lengths = null)
    {
        if (string.IsNullOrWhiteSpace(activations))
            throw new ArgumentException("ActivationSet.Load needs the path of a .npy, .npz or .safetensors file of activations (N, L, P, D); " +
                $"got {(activations is null ? "null" : "an empty string")}.", nameof(activations));
        TorchRuntime.EnsureInitialized();
        return ActivationSetLoader.Load(activations, labels, groups, baseline, lengths);
    }

    static (int[], string[]) Classes(string[] raw)
    {
        var distinct = raw.Distinct().ToList();
        bool numeric = distinct.All(s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        var sorted = numeric
            ? distinct.OrderBy(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : distinct.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        var index = sorted.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        return (raw.Select(s => index[s]).ToArray(), sorted);
    }

    float[] MapBaseline(float[] scores, int c, string from, int n, int p)
    {
        if (c < 1 || scores.Length != (long)n * p * c)
            throw new ActivationFileException(from, $"baseline scores hold {scores.Length} numbers; expected shape (N={n}, P={p}, C) with C >= {ClassCount} answer letters.");
        int bad = Array.FindIndex(scores, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new ActivationFileException(from, $"baseline score {bad} (question {bad / (p * c)}, position {bad / c % p}) is {scores[bad]}; expected finite logits.");
        // Column of each class: the label's integer value when labels are integers 0..C-1, else the class index.
        var columns = new int[ClassCount];
        bool numeric = ClassNames.All(s => int.TryParse(s, out var v) && v >= 0 && v < c);
        for (int k = 0; k < ClassCount; k++) columns[k] = numeric ? int.Parse(ClassNames[k], CultureInfo.InvariantCulture) : k;
        if (!numeric && c != ClassCount)
            throw new ActivationFileException(from, $"baseline scores have {c} columns but the labels have {ClassCount} classes ({string.Join(", ", ClassNames)}); " +
                "expected one column per class in sorted label order, or integer labels 0..C-1 naming the columns.");
        var mapped = new float[(long)n * p * ClassCount];
        for (long i = 0; i < (long)n * p; i++)
            for (int k = 0; k < ClassCount; k++)
                mapped[i * ClassCount + k] = scores[i * c + columns[k]];
        return mapped;
    }

    /// <summary>
    /// Throws when a probe cannot be fitted on these labels: every question has the same one (<see cref="SingleClassNote"/>). The
    /// set itself is kept (an interrupted or partly trained model often answers one letter throughout, and its activations are
    /// still a result).
    /// </summary>
    public void ThrowIfSingleClass()
    {
        if (SingleClassNote is { } note) throw new ActivationFileException(_labelsFrom, note);
    }

    /// <summary>Why no probe can be fitted on this set (every question has the same label), for displays and <see cref="ThrowIfSingleClass"/>; else null.</summary>
    public string? SingleClassNote => ClassCount < 2
        ? $"every question has the same label '{ClassNames[0]}'; a probe needs at least 2 classes. Check that the labels are the model's " +
          "answers (e.g. 0/1 or A/B), not a constant; for a model you trained or recorded, train it longer or record more questions " +
          "so that it gives more than one answer."
        : null;

    public override string ToString() =>
        $"ActivationSet N={Count} L={Layers} P={Positions} D={Dim}, {ClassCount} classes ({string.Join(", ", ClassNames)})" +
        (Groups is null ? "" : $", {Groups.Distinct().Count()} groups") + (BaselineScores is null ? "" : ", baseline scores") +
        (Lengths is null ? "" : ", lengths") + $"; from {Source}";

    /// <summary>True once <see cref="Dispose"/> ran: the numbers can no longer be read.</summary>
    public bool IsDisposed { get; private set; }

    internal void ThrowIfDisposed()
    {
        if (IsDisposed)
            throw new ActivationFileException(Source, "this activation set has been disposed (a using block or Dispose() ended it), so its layers cannot be read. " +
                "Load it again (ActivationSet.Load) or re-run the cell that created it, and dispose it only when you are done with it.");
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        _source.Dispose();
    }
}
