using System.IO.Compression;
using System.Text.RegularExpressions;
using LatentLab.Formats;

namespace LatentLab.Activations;

/// <summary>Finds the activations and side arrays in .npy / .npz / .safetensors files and builds an <see cref="ActivationSet"/>.</summary>
internal static partial class ActivationSetLoader
{
    static readonly string[] LabelNames = ["labels", "label", "answers", "answer", "y"];
    static readonly string[] GroupNames = ["groups", "group", "group_ids"];
    static readonly string[] BaselineNames = ["baseline", "baseline_scores", "answer_logits", "letter_logits"];
    static readonly string[] LengthNames = ["lengths", "length", "lens"];

    public static ActivationSet Load(string activations, string? labels, string? groups, string? baseline, string? lengths)
    {
        var ext = Path.GetExtension(activations).ToLowerInvariant();
        NpyFile.OpenRead(activations).Dispose(); // missing, a folder or unreadable: say so before guessing at the format
        Found found = ext switch
        {
            ".npy" => FromNpy(activations),
            ".safetensors" => FromSafetensors(activations),
            ".npz" => FromNpz(activations),
            _ => throw new ActivationFileException(activations, $"unknown activation file type '{ext}'; expected .npy, .npz or .safetensors holding (N, L, P, D) or one (N, P, D) array per layer."),
        };
        try
        {
            string[] rawLabels;
            string labelsFrom;
            if (labels is not null) { rawLabels = LabelFile.ReadColumn(labels, "label"); labelsFrom = labels; }
            else if (found.Labels is not null) { rawLabels = found.Labels; labelsFrom = activations; }
            else throw new ActivationFileException(activations, "no labels: pass a labels file (--labels answers.npy / .csv / .jsonl), " +
                $"or store an array named 'labels' beside the activations. Expected one label (the model's answer) per question (N = {found.N}).");
            var rawGroups = groups is not null ? LabelFile.ReadColumn(groups, "group") : found.Groups;
            string? groupsFrom = groups ?? (found.Groups is null ? null : activations);
            int[]? lens = null;
            var lensRaw = lengths is not null ? LabelFile.ReadColumn(lengths, "length") : found.Lengths;
            string? lengthsFrom = lengths ?? activations;
            if (lensRaw is not null)
            {
                lens = new int[lensRaw.Length];
                for (int i = 0; i < lens.Length; i++)
                    if (!int.TryParse(lensRaw[i], out lens[i]))
                        throw new ActivationFileException(lengthsFrom, $"length {i} is '{lensRaw[i]}'; expected a whole number of tokens.");
            }
            float[]? scores = found.Baseline;
            int c = found.BaselineClasses;
            string? baselineFrom = found.Baseline is null ? null : activations;
            if (baseline is not null)
            {
                (scores, c) = ReadBaseline(baseline, found.N, found.P);
                baselineFrom = baseline;
            }
            return new ActivationSet(found.Source, found.N, found.L, found.P, found.D, rawLabels, labelsFrom, rawGroups, groupsFrom,
                scores, c, baselineFrom, lens, lengthsFrom);
        }
        catch
        {
            found.Source.Dispose();
            throw;
        }
    }

    sealed record Found(LayerSource Source, int N, int L, int P, int D, string[]? Labels = null, string[]? Groups = null,
        float[]? Baseline = null, int BaselineClasses = 0, string[]? Lengths = null);

    static Found FromNpy(string path)
    {
        var h = NpyFile.ReadHeader(path);
        CheckFloat(path, h.DType, "the array");
        var (n, l, p, d) = Dims(path, h.Shape, "the array");
        int size = ArrayDTypes.Size(h.DType);
        var blocks = Enumerable.Range(0, l).Select(k => new LayerBlock("", h.DataOffset + (long)k * p * d * size, (long)l * p * d * size, h.DType)).ToArray();
        return new Found(new MappedLayerSource(path, blocks, n, p, d, $"{Path.GetFileName(path)} ({ArrayDTypes.Name(h.DType)}, memory-mapped)"), n, l, p, d);
    }

    static Found FromSafetensors(string path)
    {
        var all = SafetensorsFile.ReadHeader(path);
        var side = new Dictionary<string, StoredTensor>();
        var acts = new List<StoredTensor>();
        foreach (var t in all)
        {
            var key = Kind(t.Name);
            if (key is null) acts.Add(t); else side[key] = t;
        }
        var (blocks, n, l, p, d) = ActivationBlocks(path, acts.Select(t => (t.Name, t.DType, t.Shape, t.Offset)).ToList());
        var found = new Found(new MappedLayerSource(path, blocks, n, p, d,
            $"{Path.GetFileName(path)} ({string.Join("/", acts.Select(a => ArrayDTypes.Name(a.DType)).Distinct())}, {acts.Count} tensor(s), memory-mapped)"), n, l, p, d);
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            string[]? Values(string k) => side.TryGetValue(k, out var t) ? LabelFile.ReadValues(Seek(fs, t), t.DType, t.Shape, $"{path}:{t.Name}") : null;
            var baseline = side.TryGetValue("baseline", out var b) ? ReadFloats(fs, b, path) : null;
            int c = b is not null ? BaselineColumns(path + ":" + b.Name, b.Shape, n, p) : 0;
            return found with { Labels = Values("labels"), Groups = Values("groups"), Lengths = Values("lengths"), Baseline = baseline, BaselineClasses = c };
        }
        catch
        {
            found.Source.Dispose();
            throw;
        }
    }

    static Found FromNpz(string path)
    {
        using (var zip = NpzFile.OpenRead(path))
        {
            var side = new Dictionary<string, ZipArchiveEntry>();
            var acts = new List<(string, ArrayDType, long[], long)>();
            foreach (var entry in zip.Entries)
            {
                if (NpzFile.ArrayName(entry) is not { } name) continue;
                var key = Kind(name);
                if (key is not null) { side[key] = entry; continue; }
                var (s, h) = NpzFile.OpenArray(path, entry);
                s.Dispose();
                acts.Add((name, h.DType, h.Shape, h.DataOffset));
            }
            if (acts.Count == 0 && zip.Entries.Count == 0)
                throw new ActivationFileException(path, "the archive holds no arrays; expected activations saved with numpy.savez(path, layer_0=..., ...) or one (N, L, P, D) array.");
            var (blocks, n, l, p, d) = ActivationBlocks(path, acts);
            string[]? Values(string k) => side.TryGetValue(k, out var e) ? LabelFile.ReadNpzEntry(path, e) : null;
            float[]? baseline = null;
            int c = 0;
            if (side.TryGetValue("baseline", out var be))
            {
                var (s, h) = NpzFile.OpenArray(path, be);
                using (s)
                {
                    c = BaselineColumns(NpzFile.EntryName(path, be), h.Shape, n, p);
                    baseline = NpzFile.Guard(path, be.FullName, () => ReadFloatsFrom(s, new StoredTensor(be.FullName, h.DType, h.Shape, 0), NpzFile.EntryName(path, be)));
                }
            }
            if ((long)p * d * ArrayDTypes.Size(blocks[0].DType) > Array.MaxLength)
                throw new ActivationFileException(path, $"one question's (P={p}, D={d}) block of {ArrayDTypes.Name(blocks[0].DType)} is larger than 2 GB, too large to stream " +
                    "from an .npz archive; save the activations as .npy or .safetensors (memory-mapped) instead.");
            var source = new ZipLayerSource(path, blocks, n, p, d, $"{Path.GetFileName(path)} ({acts.Count} array(s), read layer by layer)");
            return new Found(source, n, l, p, d, Values("labels"), Values("groups"), baseline, c, Values("lengths"));
        }
    }

    /// <summary>One (N, L, P, D) array, or several (N, P, D) arrays (one per layer, natural name order).</summary>
    static (LayerBlock[], int, int, int, int) ActivationBlocks(string path, List<(string Name, ArrayDType DType, long[] Shape, long Offset)> acts)
    {
        if (acts.Count == 0)
            throw new ActivationFileException(path, "no activation arrays found (only labels/groups/baseline/lengths); expected an (N, L, P, D) array or one (N, P, D) array per layer.");
        foreach (var a in acts) CheckFloat(path, a.DType, $"array '{a.Name}'");
        if (acts.Count == 1)
        {
            var a = acts[0];
            var (n, l, p, d) = Dims(path, a.Shape, $"array '{a.Name}'");
            int size = ArrayDTypes.Size(a.DType);
            var blocks = Enumerable.Range(0, l).Select(k => new LayerBlock(a.Name + ".npy", a.Offset + (long)k * p * d * size, (long)l * p * d * size, a.DType)).ToArray();
            return (blocks, n, l, p, d);
        }
        var ordered = acts.OrderBy(a => NaturalKey(a.Name), StringComparer.Ordinal).ToList();
        var first = ordered[0];
        foreach (var a in ordered)
        {
            if (a.Shape.Length != 3)
                throw new ActivationFileException(path, $"array '{a.Name}' has shape ({string.Join(", ", a.Shape)}); with several activation arrays each must be one layer of shape (N, P, D). " +
                    "Name side arrays labels / groups / baseline / lengths so they are not taken for layers.");
            if (!a.Shape.SequenceEqual(first.Shape))
                throw new ActivationFileException(path, $"layer arrays differ in shape: '{first.Name}' is ({string.Join(", ", first.Shape)}) but '{a.Name}' is ({string.Join(", ", a.Shape)}); expected the same (N, P, D) for every layer.");
        }
        var (n3, _, p3, d3) = Dims(path, first.Shape, $"array '{first.Name}'");
        var layerBlocks = ordered.Select(a => new LayerBlock(a.Name + ".npy", a.Offset, (long)p3 * d3 * ArrayDTypes.Size(a.DType), a.DType)).ToArray();
        return (layerBlocks, n3, ordered.Count, p3, d3);
    }

    static (int N, int L, int P, int D) Dims(string path, long[] shape, string what)
    {
        if (shape.Length is not (3 or 4))
            throw new ActivationFileException(path, $"{what} has shape ({string.Join(", ", shape)}); expected (N, L, P, D) = questions x layers x positions x width, or (N, P, D) for one layer.");
        if (shape.Any(s => s <= 0 || s > int.MaxValue))
            throw new ActivationFileException(path, $"{what} has shape ({string.Join(", ", shape)}); expected every dimension >= 1.");
        return shape.Length == 4 ? ((int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3]) : ((int)shape[0], 1, (int)shape[1], (int)shape[2]);
    }

    static void CheckFloat(string path, ArrayDType t, string what)
    {
        if (!ArrayDTypes.IsFloat(t))
            throw new ActivationFileException(path, $"{what} has dtype {ArrayDTypes.Name(t)}; expected floating-point activations (float16, bfloat16, float32 or float64).");
    }

    static string? Kind(string name)
    {
        var n = name.ToLowerInvariant();
        if (LabelNames.Contains(n)) return "labels";
        if (GroupNames.Contains(n)) return "groups";
        if (BaselineNames.Contains(n)) return "baseline";
        if (LengthNames.Contains(n)) return "lengths";
        return null;
    }

    static string NaturalKey(string name) => DigitsRegex().Replace(name, m => m.Value.PadLeft(12, '0'));

    static int BaselineColumns(string name, long[] shape, int n, int p)
    {
        if (shape.Length != 3 || shape[0] != n || shape[1] != p)
            throw new ActivationFileException(name, $"baseline scores have shape ({string.Join(", ", shape)}); expected (N={n}, P={p}, C) answer-letter logits per question and position.");
        return (int)shape[2];
    }

    static (float[], int) ReadBaseline(string path, int n, int p)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        NpyFile.OpenRead(path).Dispose();
        if (ext == ".npy")
        {
            using var fs = NpyFile.OpenRead(path);
            var h = NpyFile.ReadHeader(fs, path, fs.Length);
            int c = BaselineColumns(path, h.Shape, n, p);
            return (ReadFloatsFrom(fs, new StoredTensor("baseline", h.DType, h.Shape, h.DataOffset), path), c);
        }
        if (ext == ".safetensors")
        {
            var ts = SafetensorsFile.ReadHeader(path);
            var t = ts.Count == 1 ? ts[0] : ts.FirstOrDefault(x => Kind(x.Name) == "baseline")
                ?? throw new ActivationFileException(path, $"{ts.Count} tensors ({string.Join(", ", ts.Select(x => x.Name))}) and none named baseline; expected one (N, P, C) tensor.");
            int c = BaselineColumns(path, t.Shape, n, p);
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return (ReadFloats(fs, t, path), c);
        }
        if (ext == ".npz")
        {
            using var zip = NpzFile.OpenRead(path);
            var arrays = zip.Entries.Where(x => NpzFile.ArrayName(x) is not null).ToList();
            var e = arrays.Count == 1 ? arrays[0] : arrays.FirstOrDefault(x => Kind(NpzFile.ArrayName(x)!) == "baseline")
                ?? throw new ActivationFileException(path, $"{arrays.Count} arrays and none named baseline; expected one (N, P, C) array.");
            var (s, h) = NpzFile.OpenArray(path, e);
            using (s)
            {
                int c = BaselineColumns(path, h.Shape, n, p);
                return (NpzFile.Guard(path, e.FullName, () => ReadFloatsFrom(s, new StoredTensor(e.FullName, h.DType, h.Shape, 0), path)), c);
            }
        }
        throw new ActivationFileException(path, $"unknown baseline file type '{ext}'; expected .npy, .npz or .safetensors of shape (N, P, C).");
    }

    static float[] ReadFloats(FileStream fs, StoredTensor t, string name) => ReadFloatsFrom(Seek(fs, t), t, name);

    static FileStream Seek(FileStream fs, StoredTensor t)
    {
        fs.Seek(t.Offset, SeekOrigin.Begin);
        return fs;
    }

    /// <summary>Reads a whole (small) array from the stream's current position as float32.</summary>
    static unsafe float[] ReadFloatsFrom(Stream s, StoredTensor t, string name)
    {
        CheckReadWhole(t, name);
        var bytes = new byte[t.Bytes];
        if (NpyFile.ReadFully(s, bytes, 0, bytes.Length) < bytes.Length)
            throw new ActivationFileException(name, $"truncated: array '{t.Name}' needs {bytes.Length} bytes.");
        var result = new float[t.ElementCount];
        fixed (byte* b = bytes)
        fixed (float* f = result)
            ArrayDTypes.ToFloat(t.DType, b, f, result.Length);
        return result;
    }

    /// <summary>Side arrays (labels, groups, lengths, baseline) are read whole: they must fit one managed array.</summary>
    static void CheckReadWhole(StoredTensor t, string name)
    {
        if (t.Bytes > Array.MaxLength / 4)
            throw new ActivationFileException(name, $"array '{t.Name}' of shape {t.ShapeText} ({ArrayDTypes.Name(t.DType)}, {t.Bytes} bytes) is too large for labels, groups, " +
                "lengths or baseline scores; expected one value per question (N,) or answer-letter logits (N, P, C).");
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex DigitsRegex();
}
