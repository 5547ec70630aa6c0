namespace LatentLab.LanguageModels;

/// <summary>Why <see cref="TextGenerator"/> stopped.</summary>
public enum GenerationStopReason
{
    /// <summary>It generated <see cref="GenerationOptions.MaxNewTokens"/> tokens.</summary>
    MaxNewTokens,
    /// <summary>It generated an end-of-sequence token (kept as the last token, left out of the text).</summary>
    EndOfSequence,
    /// <summary>The generated text came to contain a stop string (the text is cut before it).</summary>
    StopString,
    /// <summary>The cancellation token fired: the tokens so far are returned.</summary>
    Cancelled,
}
