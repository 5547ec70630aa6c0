namespace LatentLab.LanguageModels;

/// <summary>
/// Cuts text at the added tokens written in it (leftmost, and the longest where several start at the same place), as
/// Hugging Face tokenizers does before the model sees the rest.
/// </summary>
internal sealed class AddedTokenSplitter
{
    readonly Dictionary<char, string[]> _byFirstChar;   // longest first

    public AddedTokenSplitter(IEnumerable<string> tokens) =>
        _byFirstChar = tokens.Where(t => t.Length > 0).GroupBy(t => t[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Length).ToArray());

    /// <summary>The pieces of <paramref name="text"/> in order: (text, false) between added tokens, (token, true) for each.</summary>
    public IEnumerable<(string Piece, bool IsAdded)> Split(string text)
    {
        int start = 0, i = 0;
        while (i < text.Length)
        {
            string? match = null;
            if (_byFirstChar.TryGetValue(text[i], out var candidates))
                foreach (var c in candidates)
                    if (string.CompareOrdinal(text, i, c, 0, c.Length) == 0 && i + c.Length <= text.Length) { match = c; break; }
            if (match is null) { i++; continue; }
            if (i > start) yield return (text[start..i], false);
            yield return (match, true);
            i += match.Length;
            start = i;
        }
        if (start < text.Length) yield return (text[start..], false);
    }
}
