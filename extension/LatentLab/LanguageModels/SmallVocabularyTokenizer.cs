using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatentLab.LanguageModels;

/// <summary>
/// A real byte-level BPE tokenizer cut down to a tiny vocabulary, for tiny random-weight models (the test fixtures have
/// vocab_size 512): the first tokens of the vocabulary (the 256 byte tokens come first in Qwen's and Llama 3's files), the
/// merges among them, and every added token (chat markers such as &lt;|im_start|&gt;) renumbered into the last ids.
/// Text still encodes (into shorter pieces) and the chat template still renders, so the whole pipeline runs on a model
/// whose outputs are noise. Not for real models: use the checkpoint's own tokenizer there.
/// </summary>
public static class SmallVocabularyTokenizer
{
    /// <summary>Writes tokenizer.json and tokenizer_config.json for <paramref name="vocabSize"/> ids into <paramref name="destination"/>.</summary>
    public static void Write(string source, string destination, int vocabSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var path = Path.Combine(source, "tokenizer.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"'{source}' has no tokenizer.json to cut down.", path);
        var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path} is not a JSON object.");
        var model = root["model"] as JsonObject ?? throw new InvalidDataException($"{path} has no \"model\".");
        var added = (root["added_tokens"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        int keep = vocabSize - added.Count;
        if (keep < 256)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"{vocabSize} ids leave {keep} for the vocabulary after {added.Count} added tokens; at least the 256 byte tokens must fit.");
        var vocab = new JsonObject();
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (token, id) in (model["vocab"] as JsonObject)!)
            if (id!.GetValue<int>() < keep) { vocab[token] = id.GetValue<int>(); kept.Add(token); }
        var merges = new JsonArray();
        foreach (var m in (model["merges"] as JsonArray)!)
        {
            var (a, b) = m is JsonArray pair ? (pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>()) : Split(m!.GetValue<string>());
            if (kept.Contains(a) && kept.Contains(b) && kept.Contains(a + b)) merges.Add(new JsonArray(a, b));
        }
        model["vocab"] = vocab;
        model["merges"] = merges;
        for (int i = 0; i < added.Count; i++) added[i]["id"] = keep + i;
        Directory.CreateDirectory(destination);
        File.WriteAllText(Path.Combine(destination, "tokenizer.json"), root.ToJsonString());
        var config = Path.Combine(source, "tokenizer_config.json");
        if (File.Exists(config))
        {
            var c = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
            c.Remove("added_tokens_decoder");   // holds the old ids
            File.WriteAllText(Path.Combine(destination, "tokenizer_config.json"), c.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }

    static (string, string) Split(string merge)
    {
        int space = merge.IndexOf(' ', 1);
        return space > 0 ? (merge[..space], merge[(space + 1)..]) : (merge, "");
    }
}
