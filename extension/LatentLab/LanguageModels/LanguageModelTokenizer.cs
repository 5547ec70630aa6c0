using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace LatentLab.LanguageModels;

/// <summary>
/// A Hugging Face tokenizer read from <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c> for the chat template and
/// special tokens). Byte-level BPE (Qwen2/3, Llama 3) runs on Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>; this
/// class adds what it lacks: reading tokenizer.json, the NFC normalizer, the added tokens matched literally, the
/// bos prefix of the post-processor, and the chat template (<see cref="ChatTemplate"/>).
/// </summary>
public sealed class LanguageModelTokenizer
{
    readonly BpeTokenizer _bpe;
    readonly Dictionary<string, int> _added;           // added tokens (special or not), matched as whole tokens
    readonly HashSet<int> _special;                     // ids of added tokens flagged special
    readonly int[] _prefix;                             // ids the post-processor puts before the text (e.g. bos)

    public ChatTemplate? Chat { get; }
    public string? BosToken { get; }
    public string? EosToken { get; }
    /// <summary>Largest token id + 1 (vocabulary plus added tokens).</summary>
    public int VocabSize { get; }

    LanguageModelTokenizer(BpeTokenizer bpe, Dictionary<string, int> added, HashSet<int> special, int[] prefix, ChatTemplate? chat,
        string? bos, string? eos, int vocabSize)
    {
        _bpe = bpe;
        _added = added;
        _special = special;
        _prefix = prefix;
        Chat = chat;
        BosToken = bos;
        EosToken = eos;
        VocabSize = vocabSize;
    }

    /// <summary>Reads tokenizer.json and (if present) tokenizer_config.json from <paramref name="folder"/>.</summary>
    public static LanguageModelTokenizer Load(string folder)
    {
        var path = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{folder}' has no tokenizer.json. Download it with the model (the fast-tokenizer file of the Hugging Face repository).", path);
        using var doc = Parse(path);
        var root = doc.RootElement;
        var model = Property(root, "model", path);
        string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        if (type != "BPE")
            throw new NotSupportedException($"{path}: tokenizer model '{type}' is not supported; expected BPE (Qwen, Llama 3).");
        if (model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True)
            throw new NotSupportedException($"{path}: BPE with byte_fallback (SentencePiece-style, as in Gemma) is not supported yet; " +
                "only byte-level BPE (Qwen2/3, Llama 3).");
        if (!IsByteLevel(root)) throw new NotSupportedException($"{path}: only byte-level BPE tokenizers (ByteLevel pre-tokenizer) are supported.");

        var vocab = Property(model, "vocab", path).EnumerateObject().Select(p => new KeyValuePair<string, int>(p.Name, p.Value.GetInt32())).ToList();
        var merges = Property(model, "merges", path).EnumerateArray().Select(m => m.ValueKind == JsonValueKind.Array
            ? m[0].GetString() + " " + m[1].GetString() : m.GetString() ?? "").ToList();
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var special = new HashSet<int>();
        if (root.TryGetProperty("added_tokens", out var addedTokens))
            foreach (var a in addedTokens.EnumerateArray())
            {
                int id = a.GetProperty("id").GetInt32();
                added[a.GetProperty("content").GetString()!] = id;
                if (a.TryGetProperty("special", out var sp) && sp.ValueKind == JsonValueKind.True) special.Add(id);
            }

        var pattern = SplitPattern(root, path);
        var bpe = BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = added,
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), added),
            Normalizer = NormalizerOf(root, path),
        });

        string? bos = null, eos = null;
        ChatTemplate? chat = null;
        var configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var config = Parse(configPath);
            bos = TokenText(config.RootElement, "bos_token");
            eos = TokenText(config.RootElement, "eos_token");
            string? template = config.RootElement.TryGetProperty("chat_template", out var ct) && ct.ValueKind == JsonValueKind.String ? ct.GetString() : null;
            chat = ChatTemplate.FromTemplateText(template, bos, configPath);
        }
        int vocabSize = Math.Max(vocab.Max(v => v.Value), added.Count > 0 ? added.Values.Max() : 0) + 1;
        return new LanguageModelTokenizer(bpe, added, special, PrefixIds(root, added), chat, bos, eos, vocabSize);
    }

    /// <summary>Token ids of <paramref name="text"/>; <paramref name="addSpecialTokens"/> adds what the tokenizer's
    /// post-processor adds (Llama 3: &lt;|begin_of_text|&gt;; Qwen: nothing). Added tokens written in the text are matched.</summary>
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = text.Length == 0 ? [] : _bpe.EncodeToIds(text);
        return addSpecialTokens ? [.. _prefix, .. ids] : [.. ids];
    }

    /// <summary>The text of <paramref name="ids"/>; special tokens are written out unless <paramref name="skipSpecialTokens"/>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var list = ids.ToList();
        foreach (var id in list)
            if (id < 0 || id >= VocabSize)
                throw new ArgumentException($"token id {id} is outside this tokenizer's vocabulary [0, {VocabSize}).", nameof(ids));
        return _bpe.Decode(skipSpecialTokens ? list.Where(i => !_special.Contains(i)) : list, considerSpecialTokens: true);
    }

    /// <summary>The token string of one id as the vocabulary spells it (byte-level: 'Ġ' for a space).</summary>
    public string TokenOf(int id) => _bpe.Vocabulary.FirstOrDefault(kv => kv.Value == id).Key
        ?? _added.FirstOrDefault(kv => kv.Value == id).Key
        ?? throw new ArgumentException($"token id {id} is not in the vocabulary.", nameof(id));

    /// <summary>The id of an added/special token such as "&lt;|im_end|&gt;", or null.</summary>
    public int? SpecialTokenId(string token) => _added.TryGetValue(token, out var id) ? id : null;

    /// <summary>The chat prompt as text, rendered as the model's own template does.</summary>
    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, bool enableThinking = true) =>
        (Chat ?? throw new InvalidOperationException("This tokenizer has no chat_template in tokenizer_config.json (a base model?). " +
            "Write the prompt yourself and use Encode(text)."))
        .Render(messages, addGenerationPrompt, enableThinking);

    /// <summary>The chat prompt as token ids (the rendered text encoded without adding special tokens, as transformers does).</summary>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, bool enableThinking = true) =>
        Encode(ApplyChatTemplate(messages, addGenerationPrompt, enableThinking), addSpecialTokens: false);

    static JsonDocument Parse(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not valid JSON ({e.Message}).", e); }
    }

    static JsonElement Property(JsonElement e, string name, string path) => e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v
        : throw new InvalidDataException($"{path}: \"{name}\" is missing; expected a tokenizer.json written by Hugging Face tokenizers.");

    static IEnumerable<JsonElement> Steps(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var e) || e.ValueKind != JsonValueKind.Object) yield break;
        if (e.TryGetProperty("pretokenizers", out var list) || e.TryGetProperty("processors", out list) || e.TryGetProperty("normalizers", out list))
            foreach (var x in list.EnumerateArray()) yield return x;
        else yield return e;
    }

    static string TypeOf(JsonElement e) => e.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";

    static bool IsByteLevel(JsonElement root) => Steps(root, "pre_tokenizer").Any(s => TypeOf(s) == "ByteLevel");

    // The Split regex that cuts the text into words before BPE (Qwen and Llama 3 each have their own).
    static string SplitPattern(JsonElement root, string path)
    {
        foreach (var s in Steps(root, "pre_tokenizer"))
            if (TypeOf(s) == "Split" && s.TryGetProperty("pattern", out var p) && p.TryGetProperty("Regex", out var r))
            {
                if (s.TryGetProperty("behavior", out var b) && b.GetString() != "Isolated" || s.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True)
                    throw new NotSupportedException($"{path}: Split pre-tokenizer with behavior {b} / invert is not supported; expected Isolated.");
                return r.GetString()!;
            }
        // ByteLevel with use_regex: GPT-2's pattern.
        return @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    }

    static Normalizer? NormalizerOf(JsonElement root, string path)
    {
        Normalizer? result = null;
        foreach (var n in Steps(root, "normalizer"))
            result = TypeOf(n) switch
            {
                "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
                "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
                var other => throw new NotSupportedException($"{path}: normalizer '{other}' is not supported (NFC and NFKC are)."),
            };
        return result;
    }

    // Special tokens the post-processor puts before $A (TemplateProcessing "single"), e.g. Llama 3's <|begin_of_text|>.
    static int[] PrefixIds(JsonElement root, Dictionary<string, int> added)
    {
        var prefix = new List<int>();
        foreach (var p in Steps(root, "post_processor"))
        {
            if (TypeOf(p) != "TemplateProcessing" || !p.TryGetProperty("single", out var single)) continue;
            foreach (var piece in single.EnumerateArray())
            {
                if (piece.TryGetProperty("Sequence", out _)) break;
                if (piece.TryGetProperty("SpecialToken", out var st) && added.TryGetValue(st.GetProperty("id").GetString()!, out var id)) prefix.Add(id);
            }
        }
        return [.. prefix];
    }

    static string? TokenText(JsonElement config, string key) =>
        !config.TryGetProperty(key, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) ? c.GetString() : null;
}
