using LatentLab.Activations;

namespace LatentLab.LanguageModels;

/// <summary>
/// What <see cref="CotRecorder.Record"/> left in its folder: every question done (this run's and earlier runs'), and the
/// activation set over the labelled ones (<see cref="Activations"/>, memory-mapped from activations.npy), ready for the
/// probe sweep. Positions run from each chain's first generated token; <see cref="ActivationSet.Lengths"/> holds the chain
/// lengths, so <c>--align end</c> in the probe sweep lines the chains up at their last tokens.
/// </summary>
public sealed class CotRecording : IDisposable
{
    public CotRecording(string folder, int total, int resumed, bool interrupted, IReadOnlyList<CotRecord> records, ActivationSet? activations, string? note)
    {
        (Folder, Total, Resumed, Interrupted, Records, Activations, Note) = (folder, total, resumed, interrupted, records, activations, note);
    }

    /// <summary>The recording folder (records.jsonl, activations.npy, labels.npy, gold.npy, correct.npy, lengths.npy, baseline.npy, groups.npy).</summary>
    public string Folder { get; }
    /// <summary>Questions asked for.</summary>
    public int Total { get; }
    /// <summary>Questions found done in the folder when this run started.</summary>
    public int Resumed { get; }
    /// <summary>True when an interrupt stopped the run early (every question finished before it is kept).</summary>
    public bool Interrupted { get; }
    /// <summary>Every question done, in question order.</summary>
    public IReadOnlyList<CotRecord> Records { get; }
    /// <summary>The labelled questions' activations (N, L, P, D) with labels, gold-independent; null when fewer than two answers occur.</summary>
    public ActivationSet? Activations { get; }
    /// <summary>Why <see cref="Activations"/> is null, or null.</summary>
    public string? Note { get; }

    public int Done => Records.Count;
    /// <summary>Chains that never stated an answer letter.</summary>
    public int Unstated => Records.Count(r => r.Stated is null);
    /// <summary>Questions in the activation set.</summary>
    public int Labelled => Records.Count(r => r.Row is not null);
    /// <summary>Labelled questions answered correctly.</summary>
    public int Correct => Records.Count(r => r.Row is not null && r.Correct);
    public double MeanLength => Records.Count == 0 ? 0 : Records.Average(r => r.Length);

    public override string ToString() =>
        $"CoT recording in {Folder}: {Done}/{Total} questions{(Interrupted ? " (INTERRUPTED: re-run with the same folder to resume)" : "")}, " +
        $"{Labelled} in the activation set, {Correct} correct, {Unstated} without a stated answer, mean chain {MeanLength:F1} tokens";

    public void Dispose() => Activations?.Dispose();
}
