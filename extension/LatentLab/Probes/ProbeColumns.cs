using LatentLab.Activations;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Probes;

/// <summary>
/// Turns a layer's (N, P, D) activations into the sweep's columns (Pc, N, D) with a validity mask (Pc, N): every position
/// (align start), the last k tokens (align end), or relative bins averaged over each chain's tokens.
/// </summary>
internal sealed class ProbeColumns : IDisposable
{
    public IReadOnlyList<int> Labels { get; }
    /// <summary>True when column t is simply position t of every question (no lengths, alignment, bins or selection).</summary>
    public bool IsIdentity => _index is null && _average is null;
    /// <summary>(Pc, N) float 1 where the question has this column.</summary>
    public Tensor Valid { get; }
    readonly Tensor? _index;   // (Pc, N) long source position (align start/end), or null = identity
    readonly Tensor? _average; // (Pc, N, P) averaging weights (bins)

    public ProbeColumns(ActivationSet set, ProbeSweepOptions o, Device device)
    {
        int n = set.Count, p = set.Positions;
        var lengths = set.Lengths?.ToArray() ?? Enumerable.Repeat(p, n).ToArray();
        List<int> labels;
        float[,] valid;
        if (o.Bins > 0)
        {
            int b = o.Bins;
            labels = Enumerable.Range(0, b).ToList();
            var avg = new float[b, n, p];
            valid = new float[b, n];
            for (int i = 0; i < n; i++)
                for (int k = 0; k < b; k++)
                {
                    int lo = (int)Math.Floor((double)k * lengths[i] / b), hi = (int)Math.Floor((double)(k + 1) * lengths[i] / b);
                    if (hi <= lo) hi = Math.Min(lo + 1, lengths[i]); // chains shorter than the bin count: nearest token
                    lo = Math.Min(lo, hi - 1);
                    for (int t = lo; t < hi; t++) avg[k, i, t] = 1f / (hi - lo);
                    valid[k, i] = 1;
                }
            _average = torch.tensor(avg, device: device);
            (labels, valid, _average) = Filter(o, labels, valid, _average, null);
        }
        else
        {
            bool end = o.Align == PositionAlignment.End;
            labels = end ? Enumerable.Range(-p, p).ToList() : Enumerable.Range(0, p).ToList();
            var index = new long[p, n];
            valid = new float[p, n];
            for (int c = 0; c < p; c++)
                for (int i = 0; i < n; i++)
                {
                    int t = end ? lengths[i] + labels[c] : c;
                    bool ok = t >= 0 && t < lengths[i];
                    index[c, i] = ok ? t : 0;
                    valid[c, i] = ok ? 1 : 0;
                }
            var idx = torch.tensor(index, device: device);
            (labels, valid, _, idx) = FilterIndex(o, labels, valid, idx);
            bool identity = !end && labels.Count == p && set.Lengths is null;
            _index = identity ? null : idx;
            if (identity) idx.Dispose();
        }
        Labels = labels;
        Valid = torch.tensor(valid, device: device);
    }

    static (List<int>, float[,], Tensor) Filter(ProbeSweepOptions o, List<int> labels, float[,] valid, Tensor avg, object? _)
    {
        if (o.Positions is null) return (labels, valid, avg);
        var keep = Keep(o, labels);
        var sel = avg.index_select(0, torch.tensor(keep.Select(k => (long)k).ToArray(), device: avg.device));
        avg.Dispose();
        return (keep.Select(k => labels[k]).ToList(), Rows(valid, keep), sel);
    }

    static (List<int>, float[,], object?, Tensor) FilterIndex(ProbeSweepOptions o, List<int> labels, float[,] valid, Tensor idx)
    {
        if (o.Positions is null) return (labels, valid, null, idx);
        var keep = Keep(o, labels);
        var sel = idx.index_select(0, torch.tensor(keep.Select(k => (long)k).ToArray(), device: idx.device));
        idx.Dispose();
        return (keep.Select(k => labels[k]).ToList(), Rows(valid, keep), null, sel);
    }

    static List<int> Keep(ProbeSweepOptions o, List<int> labels)
    {
        var keep = new List<int>();
        foreach (var want in o.Positions!.Distinct())
        {
            int k = labels.IndexOf(want);
            if (k < 0)
                throw new ArgumentException($"--positions {want} does not exist here; columns are {labels.First()}..{labels.Last()} " +
                    (o.Bins > 0 ? "(bin indices)." : o.Align == PositionAlignment.End ? "(offsets from the end, -1 = last token)." : "(token indices from 0)."));
            keep.Add(k);
        }
        keep.Sort();
        return keep;
    }

    static float[,] Rows(float[,] m, List<int> rows)
    {
        var r = new float[rows.Count, m.GetLength(1)];
        for (int a = 0; a < rows.Count; a++)
            for (int i = 0; i < m.GetLength(1); i++) r[a, i] = m[rows[a], i];
        return r;
    }

    /// <summary>(N, P, X) per-question values -> (Pc, N, X) columns (invalid entries hold position 0's values; mask them).</summary>
    public Tensor Apply(Tensor perQuestion)
    {
        if (_average is not null)
            return torch.einsum("cnt,ntx->cnx", _average, perQuestion);
        if (_index is null)
            return perQuestion.permute(1, 0, 2);
        var x = perQuestion.shape[2];
        var idx = _index.t().unsqueeze(-1).expand(-1, -1, x);                   // (N, Pc, X)
        return perQuestion.gather(1, idx).permute(1, 0, 2);                      // (Pc, N, X)
    }

    public void Dispose()
    {
        Valid.Dispose();
        _index?.Dispose();
        _average?.Dispose();
    }
}
