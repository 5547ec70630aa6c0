namespace LatentLab.LanguageModels;

/// <summary>What <see cref="CotRecorder"/> does with a chain that never states an answer letter.</summary>
public enum CotUnanswered
{
    /// <summary>Counted and kept in records.jsonl, left out of the activation set (it has no label).</summary>
    Skip,
    /// <summary>Labelled with the letter the model finds most likely at the chain's last token (counted as unstated all the same).</summary>
    LastLetter,
}
