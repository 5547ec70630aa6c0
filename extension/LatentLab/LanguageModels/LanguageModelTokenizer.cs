using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace LatentLab.LanguageModels;

/// <summary>
/// A Hugging Face tokenizer read from <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c> for the chat template and
/// special tokens). Byte-level BPE (Qwen2/3, Llama 3) runs on Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>; this
/// class adds what it lacks: reading tokenizer.json, the NFC normalizer, the added tokens matched literally, the
/// bos prefix of the post-processor, transformers' clean-up of decoded spaces, the chat template
/// (<see cref="ChatTemplate"/>), and Gemma's SentencePiece-style BPE with byte fallback (<see cref="SentencePieceBpe"/>),
/// which Microsoft.ML.Tokenizers reads only from a .model file.
/// </summary>
public sealed class LanguageModelTokenizer
{
    readonly BpeTokenizer? _byteLevel;                  // Qwen, Llama 3: Microsoft.ML.Tokenizers
    readonly SentencePieceBpe? _sentencePiece;          // Gemma: byte-fallback BPE (written here)
    readonly AddedTokenSplitter _splitter;
    readonly string[] _tokens;                          // id -> token string
    readonly Dictionary<string, int> _added;           // added tokens (special or not), matched as whole tokens
    readonly HashSet<int> _special;                     // ids of added tokens flagged special
    readonly int[] _prefix;                             // ids the post-processor puts before the text (e.g. bos)
    readonly bool _cleanUpSpaces;                       // tokenizer_config clean_up_tokenization_spaces (Llama 3: true)

    public ChatTemplate? Chat { get; }
    public string? BosToken { get; }
    public string? EosToken { get; }
    /// <summary>Largest token id + 1 (vocabulary plus added tokens).</summary>
    public int VocabSize { get; }

    LanguageModelTokenizer(BpeTokenizer? byteLevel, SentencePieceBpe? sentencePiece, string[] tokens, Dictionary<string, int> added,
        HashSet<int> special, int[] prefix, ChatTemplate? chat, string? bos, string? eos, bool cleanUpSpaces)
    {
        _byteLevel = byteLevel;
        _sentencePiece = sentencePiece;
        _splitter = new AddedTokenSplitter(added.Keys);
        _tokens = tokens;
        _cleanUpSpaces = cleanUpSpaces;
        _added = added;
        _special = special;
        _prefix = prefix;
        Chat = chat;
        BosToken = bos;
        EosToken = eos;
        VocabSize = tokens.Length;
    }

    /// <summary>Reads tokenizer.json and (if present) tokenizer_config.json from <paramref name="folder"/>.</summary>
    public static LanguageModelTokenizer Load(string folder)
    {
        var path = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{folder}' has no tokenizer.json. Download it with the model (the fast-tokenizer file of the Hugging Face repository).", path);
        return Guarded(path, () => Read(folder, path));
    }

    // Hugging Face's tokenizer.json has deep optional parts (normalizer, pre-tokenizer, post-processor steps); a field there of
    // a type no tokenizers version writes (a number where a string belongs, an object for a list) is named by the JSON error
    // and the file, never shown as a .NET exception. The fields read on every load have their own typed reads below.
    static T Guarded<T>(string path, Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException or FormatException)
        {
            throw new InvalidDataException($"{path}: a field has an unexpected type or value ({e.Message}). The file is damaged or was edited by hand: " +
                "use the tokenizer files of the model's Hugging Face repository.", e);
        }
    }

    static LanguageModelTokenizer Read(string folder, string path)
    {
        using var doc = Parse(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw WrongType(path, "the file", "a JSON object", root);
        var model = OfKind(Property(root, "model", path), JsonValueKind.Object, path, "\"model\"");
        string type = model.TryGetProperty("type", out var t) ? Text(t, path, "model.type") : "";
        if (type != "BPE")
            throw new NotSupportedException($"{path}: tokenizer model '{type}' is not supported; expected BPE (Qwen, Llama 3).");
        bool byteFallback = model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True;
        if (!byteFallback && !IsByteLevel(root))
            throw new NotSupportedException($"{path}: this BPE tokenizer is neither byte-level (Qwen, Llama 3) nor SentencePiece-style with byte fallback (Gemma).");

        var vocab = OfKind(Property(model, "vocab", path), JsonValueKind.Object, path, "model.vocab").EnumerateObject()
            .Select(p => new KeyValuePair<string, int>(p.Name, TokenId(p.Value, path, $"model.vocab[\"{p.Name}\"]"))).ToList();
        if (vocab.Count == 0) throw new InvalidDataException($"{path}: model.vocab is empty. Use the tokenizer files of the model's Hugging Face repository.");
        var merges = OfKind(Property(model, "merges", path), JsonValueKind.Array, path, "model.merges").EnumerateArray().Select((m, i) => m.ValueKind switch
        {
            JsonValueKind.Array when m.GetArrayLength() == 2 => (Text(m[0], path, $"model.merges[{i}][0]"), Text(m[1], path, $"model.merges[{i}][1]")),
            JsonValueKind.String => SplitMerge(m.GetString()!, path),
            _ => throw WrongType(path, $"model.merges[{i}]", "\"a b\" or a pair [\"a\", \"b\"]", m),
        }).ToList();
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var special = new HashSet<int>();
        if (root.TryGetProperty("added_tokens", out var addedTokens) && addedTokens.ValueKind != JsonValueKind.Null)
        {
            int i = 0;
            foreach (var a in OfKind(addedTokens, JsonValueKind.Array, path, "added_tokens").EnumerateArray())
            {
                var where = $"added_tokens[{i++}]";
                OfKind(a, JsonValueKind.Object, path, where);
                int id = TokenId(Property(a, "id", path), path, where + ".id");
                added[Text(Property(a, "content", path), path, where + ".content")] = id;
                if (a.TryGetProperty("special", out var sp) && sp.ValueKind == JsonValueKind.True) special.Add(id);
            }
        }
        int size = Math.Max(vocab.Max(v => v.Value), added.Count > 0 ? added.Values.Max() : 0) + 1;
        var tokens = new string[size];
        foreach (var (text, id) in vocab) tokens[id] = text;
        foreach (var (text, id) in added) tokens[id] = text;
        for (int i = 0; i < size; i++) tokens[i] ??= "";

        BpeTokenizer? byteLevel = null;
        SentencePieceBpe? sentencePiece = null;
        if (byteFallback)
        {
            CheckGemmaPipeline(root, path);
            string? unk = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            sentencePiece = new SentencePieceBpe(vocab.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), merges, unk);
        }
        else
        {
            var pattern = SplitPattern(root, path);
            byteLevel = BpeTokenizer.Create(new BpeOptions(vocab)
            {
                Merges = merges.Select(m => m.Item1 + " " + m.Item2),
                ByteLevel = true,
                SpecialTokens = added,
                PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), added),
                Normalizer = NormalizerOf(root, path),
            });
        }

        string? bos = null, eos = null;
        ChatTemplate? chat = null;
        bool cleanUp = false;
        var configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            (bos, eos, cleanUp, chat) = Guarded(configPath, () => ReadConfig(configPath));
        }
        return new LanguageModelTokenizer(byteLevel, sentencePiece, tokens, added, special, PrefixIds(root, added), chat, bos, eos, cleanUp);
    }

    static (string? Bos, string? Eos, bool CleanUp, ChatTemplate? Chat) ReadConfig(string configPath)
    {
        using var config = Parse(configPath);
        var root = config.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw WrongType(configPath, "the file", "a JSON object", root);
        var bos = TokenText(root, "bos_token");
        var eos = TokenText(root, "eos_token");
        bool cleanUp = root.TryGetProperty("clean_up_tokenization_spaces", out var cu) && cu.ValueKind == JsonValueKind.True;
        return (bos, eos, cleanUp, ChatTemplate.FromTemplateText(TemplateText(root, configPath), bos, configPath));
    }

    /// <summary>
    /// The chat_template text: a string, or from Hugging Face's list of named templates
    /// (<c>[{"name": "default", "template": "..."}, {"name": "tool_use", ...}]</c>) the one named "default", as transformers uses
    /// when no template is named. A list without "default" is refused naming the file, the field and the names found.
    /// </summary>
    static string? TemplateText(JsonElement root, string configPath)
    {
        if (!root.TryGetProperty("chat_template", out var ct) || ct.ValueKind == JsonValueKind.Null) return null;
        if (ct.ValueKind == JsonValueKind.String) return ct.GetString();
        if (ct.ValueKind != JsonValueKind.Array) throw WrongType(configPath, "chat_template", "a string or a list of named templates", ct);
        var names = new List<string>();
        string? chosen = null;
        int i = 0;
        foreach (var item in ct.EnumerateArray())
        {
            var where = $"chat_template[{i++}]";
            OfKind(item, JsonValueKind.Object, configPath, where);
            var name = item.TryGetProperty("name", out var n) ? Text(n, configPath, where + ".name")
                : throw new InvalidDataException($"{configPath}: {where} has no \"name\"; each entry of a chat_template list is {{\"name\": ..., \"template\": ...}}.");
            var template = item.TryGetProperty("template", out var t) ? Text(t, configPath, where + ".template")
                : throw new InvalidDataException($"{configPath}: {where} (\"{name}\") has no \"template\"; each entry of a chat_template list is {{\"name\": ..., \"template\": ...}}.");
            names.Add(name);
            if (name == "default") chosen ??= template;
        }
        return chosen ?? throw new InvalidDataException(
            $"{configPath}: chat_template is a list of named templates ({(names.Count == 0 ? "empty" : string.Join(", ", names.Select(x => $"\"{x}\"")))}) " +
            "with none named \"default\", so there is no template to use for plain chat (transformers refuses it too). " +
            "Name the template to use \"default\" in that list, or give chat_template as that template's text.");
    }

    /// <summary>Token ids above this are refused (the largest vocabularies have about 256 thousand tokens).</summary>
    const int MaxTokenId = 1 << 24;

    static string Text(JsonElement e, string path, string where) => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw WrongType(path, where, "a string", e);

    static int TokenId(JsonElement e, string path, string where) =>
        e.ValueKind != JsonValueKind.Number ? throw WrongType(path, where, "a token id (a whole number)", e)
        : e.TryGetInt32(out int id) && id is >= 0 and < MaxTokenId ? id
        : throw new InvalidDataException($"{path}: {where} is {e.GetRawText()}; a token id is a whole number from 0 to {MaxTokenId - 1}. " +
            "The file is damaged or was edited by hand: use the tokenizer files of the model's Hugging Face repository.");

    static JsonElement OfKind(JsonElement e, JsonValueKind kind, string path, string where) => e.ValueKind == kind ? e
        : throw WrongType(path, where, kind == JsonValueKind.Object ? "a JSON object" : "a JSON list", e);

    static InvalidDataException WrongType(string path, string where, string expected, JsonElement e) =>
        new($"{path}: {where} should be {expected}, not {JsonValueText.Describe(e)}. The file is damaged or was edited by hand: use the tokenizer files of the model's Hugging Face repository.");

    /// <summary>Token ids of <paramref name="text"/>; <paramref name="addSpecialTokens"/> adds what the tokenizer's
    /// post-processor adds (Llama 3: &lt;|begin_of_text|&gt;; Qwen: nothing). Added tokens written in the text are matched.</summary>
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(_prefix.Length + text.Length / 3);
        if (addSpecialTokens) ids.AddRange(_prefix);
        if (_byteLevel is not null)
        {
            if (text.Length > 0) ids.AddRange(_byteLevel.EncodeToIds(text));
            return [.. ids];
        }
        foreach (var (piece, isAdded) in _splitter.Split(text))
        {
            if (isAdded) ids.Add(_added[piece]);
            else _sentencePiece!.Encode(piece, ids);
        }
        return [.. ids];
    }

    /// <summary>The text of <paramref name="ids"/>; special tokens are written out unless <paramref name="skipSpecialTokens"/>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var list = ids.ToList();
        foreach (var id in list)
            if (id < 0 || id >= VocabSize)
                throw new ArgumentException($"token id {id} is outside this tokenizer's vocabulary [0, {VocabSize}).", nameof(ids));
        var kept = skipSpecialTokens ? list.Where(i => !_special.Contains(i)) : list;
        var text = _byteLevel is not null ? _byteLevel.Decode(kept, considerSpecialTokens: true) : SentencePieceBpe.Decode(kept.Select(i => _tokens[i]));
        return _cleanUpSpaces ? CleanUpSpaces(text) : text;
    }

    // transformers' clean_up_tokenization: drops the space before punctuation and English contractions.
    static string CleanUpSpaces(string s) => s.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");

    /// <summary>
    /// Throws when this tokenizer cannot belong to the model of <paramref name="config"/>: it has token ids beyond the
    /// model's embedding table (models may have more rows than the tokenizer has tokens, e.g. Qwen pads to 151936).
    /// </summary>
    public void CheckMatches(LanguageModelConfig config)
    {
        if (VocabSize > config.VocabSize)
            throw new InvalidDataException($"The tokenizer has {VocabSize} tokens but the model's vocab_size is {config.VocabSize} " +
                $"({config.ModelType}): tokenizer.json belongs to another model. Use the tokenizer files from the model's own folder.");
    }

    /// <summary>The token string of one id as the vocabulary spells it (byte-level: 'Ġ' for a space).</summary>
    public string TokenOf(int id) => id >= 0 && id < _tokens.Length ? _tokens[id]
        : throw new ArgumentException($"token id {id} is outside this tokenizer's vocabulary [0, {VocabSize}).", nameof(id));

    /// <summary>The id of an added/special token such as "&lt;|im_end|&gt;", or null.</summary>
    public int? SpecialTokenId(string token) => _added.TryGetValue(token, out var id) ? id : null;

    /// <summary>The chat prompt as text, rendered as the model's own template does.</summary>
    /// <remarks><paramref name="dateString"/>: Llama 3.1+'s "Today Date" (null: the template's default); see <see cref="ChatTemplate"/>.</remarks>
    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, bool enableThinking = true, string? dateString = null) =>
        (Chat ?? throw new InvalidOperationException("This tokenizer has no chat_template in tokenizer_config.json (a base model?). " +
            "Write the prompt yourself and use Encode(text)."))
        .Render(messages, addGenerationPrompt, enableThinking, dateString);

    /// <summary>The chat prompt as token ids (the rendered text encoded without adding special tokens, as transformers does).</summary>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, bool enableThinking = true, string? dateString = null) =>
        Encode(ApplyChatTemplate(messages, addGenerationPrompt, enableThinking, dateString), addSpecialTokens: false);

    static (string, string) SplitMerge(string merge, string path)
    {
        int space = merge.IndexOf(' ', 1);
        return space > 0 ? (merge[..space], merge[(space + 1)..]) : throw new InvalidDataException($"{path}: merge '{merge}' is not two tokens separated by a space.");
    }

    // Gemma: normalizer Replace(' ' -> '▁'), pre-tokenizer Split(' ') (a no-op after that replacement) or none.
    static void CheckGemmaPipeline(JsonElement root, string path)
    {
        foreach (var n in Steps(root, "normalizer"))
            if (!(TypeOf(n) == "Replace" && n.GetProperty("content").GetString() == "▁"))
                throw new NotSupportedException($"{path}: normalizer '{TypeOf(n)}' is not supported with byte-fallback BPE (Gemma's Replace ' ' -> '▁' is).");
        foreach (var p in Steps(root, "pre_tokenizer"))
            if (TypeOf(p) != "Split")
                throw new NotSupportedException($"{path}: pre-tokenizer '{TypeOf(p)}' is not supported with byte-fallback BPE.");
    }

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
        : v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
}
