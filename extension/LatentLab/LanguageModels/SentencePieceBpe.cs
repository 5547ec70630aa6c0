using System.Text;

namespace LatentLab.LanguageModels;

/// <summary>
/// SentencePiece-style BPE as Gemma's tokenizer.json describes it (Microsoft.ML.Tokenizers reads only the .model proto):
/// spaces become '▁', the text between added tokens is one word, it starts as single characters (a character missing from
/// the vocabulary falls back to its UTF-8 bytes, tokens "&lt;0xNN&gt;"), and the lowest-ranked adjacent pair is merged,
/// leftmost first, until no merge applies. Decoding reverses it: '▁' to space, byte tokens back to UTF-8.
/// </summary>
internal sealed class SentencePieceBpe
{
    readonly Dictionary<string, int> _vocab;
    readonly Dictionary<(int, int), (int Rank, int Id)> _merges = [];
    readonly int[] _byteIds = new int[256];   // id of "<0xNN>", or -1
    readonly int _unk;

    public SentencePieceBpe(Dictionary<string, int> vocab, IEnumerable<(string Left, string Right)> merges, string? unkToken)
    {
        _vocab = vocab;
        int rank = 0;
        foreach (var (l, r) in merges)
        {
            if (vocab.TryGetValue(l, out int a) && vocab.TryGetValue(r, out int b) && vocab.TryGetValue(l + r, out int merged))
                _merges.TryAdd((a, b), (rank, merged));
            rank++;
        }
        for (int i = 0; i < 256; i++) _byteIds[i] = vocab.TryGetValue($"<0x{i:X2}>", out int id) ? id : -1;
        _unk = unkToken is not null && vocab.TryGetValue(unkToken, out int u) ? u : -1;
    }

    /// <summary>Ids of a piece of text that holds no added token.</summary>
    public void Encode(string text, List<int> output)
    {
        if (text.Length == 0) return;
        var normalized = text.Replace(' ', '▁');
        var symbols = new List<int>();
        for (int i = 0; i < normalized.Length; i += char.IsSurrogatePair(normalized, i) ? 2 : 1)
        {
            string ch = char.IsSurrogatePair(normalized, i) ? normalized.Substring(i, 2) : normalized[i].ToString();
            if (_vocab.TryGetValue(ch, out int id)) { symbols.Add(id); continue; }
            var bytes = Encoding.UTF8.GetBytes(ch);
            if (bytes.All(b => _byteIds[b] >= 0)) symbols.AddRange(bytes.Select(b => _byteIds[b]));
            else if (_unk >= 0 && (symbols.Count == 0 || symbols[^1] != _unk)) symbols.Add(_unk);  // fuse_unk
            else if (_unk < 0) throw new ArgumentException($"character '{ch}' is not in the vocabulary and the tokenizer has no byte fallback or unk token.");
        }
        while (symbols.Count > 1)
        {
            int best = -1, bestRank = int.MaxValue, bestId = 0;
            for (int i = 0; i + 1 < symbols.Count; i++)
                if (_merges.TryGetValue((symbols[i], symbols[i + 1]), out var m) && m.Rank < bestRank)
                    (best, bestRank, bestId) = (i, m.Rank, m.Id);
            if (best < 0) break;
            symbols[best] = bestId;
            symbols.RemoveAt(best + 1);
        }
        output.AddRange(symbols);
    }

    /// <summary>Text of token strings: '▁' to space, runs of byte tokens to UTF-8 (invalid bytes to U+FFFD each).</summary>
    public static string Decode(IEnumerable<string> tokens)
    {
        var sb = new StringBuilder();
        var bytes = new List<byte>();
        void Flush()
        {
            if (bytes.Count == 0) return;
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            try { sb.Append(strict.GetString(bytes.ToArray())); }
            catch (DecoderFallbackException) { sb.Append('\uFFFD', bytes.Count); }
            bytes.Clear();
        }
        foreach (var t in tokens)
        {
            if (t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>' &&
                byte.TryParse(t.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
            {
                bytes.Add(b);
                continue;
            }
            Flush();
            sb.Append(t.Replace('▁', ' '));
        }
        Flush();
        return sb.ToString();
    }
}
