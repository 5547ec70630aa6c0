using System.Text.Json;

namespace LatentLab.LanguageModels;

/// <summary>
/// Reads multiple-choice questions from a <c>.jsonl</c> file, one JSON object a line:
/// <code>{"question": "Which is larger?", "options": ["7", "9"], "answer": "B", "group": "q12"}</code>
/// <c>answer</c> is the gold option as a letter ("B") or a 0-based index (1); <c>group</c> is optional (string or number).
/// Blank lines are skipped. A bad line fails with its line number and what is wrong.
/// </summary>
public static class CotQuestionFile
{
    /// <summary>Most options a question may have (letters A..H).</summary>
    public const int MaxOptions = 8;

    public static IReadOnlyList<CotQuestion> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Question file '{path}' does not exist. Give a .jsonl file with one question a line: " +
            "{\"question\": \"...\", \"options\": [\"...\", \"...\"], \"answer\": \"A\"}.", path);
        var questions = new List<CotQuestion>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            questions.Add(Parse(line, number, path));
        }
        if (questions.Count == 0) throw new InvalidDataException($"{path} holds no questions; expected one JSON object a line.");
        return questions;
    }

    /// <summary>Parses one line (<paramref name="number"/> for messages).</summary>
    public static CotQuestion Parse(string line, int number, string source)
    {
        string where = $"{source}, line {number}";
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new InvalidDataException($"{where} is not valid JSON ({e.Message}). Each line must be one object: {{\"question\": ..., \"options\": [...], \"answer\": \"A\"}}.", e); }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: expected a JSON object, got {o.ValueKind}.");
            if (!o.TryGetProperty("question", out var q) || q.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(q.GetString()))
                throw new InvalidDataException($"{where}: \"question\" is missing or not a non-empty string.");
            if (!o.TryGetProperty("options", out var opts) || opts.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{where}: \"options\" is missing or not an array of strings.");
            var options = new List<string>();
            foreach (var x in opts.EnumerateArray())
            {
                if (x.ValueKind != JsonValueKind.String) throw new InvalidDataException($"{where}: option {options.Count + 1} is {x.ValueKind}, not a string.");
                options.Add(x.GetString()!);
            }
            if (options.Count < 2 || options.Count > MaxOptions)
                throw new InvalidDataException($"{where}: {options.Count} options; a question needs 2 to {MaxOptions} (letters A..{CotQuestion.Letter(MaxOptions - 1)}).");
            if (!o.TryGetProperty("answer", out var a)) throw new InvalidDataException($"{where}: \"answer\" (the gold option, a letter such as \"A\" or a 0-based index) is missing.");
            int gold = a.ValueKind switch
            {
                JsonValueKind.String when a.GetString()!.Trim() is { Length: 1 } s && char.IsAsciiLetter(s[0]) => char.ToUpperInvariant(s[0]) - 'A',
                JsonValueKind.Number when a.TryGetInt32(out var i) => i,
                _ => throw new InvalidDataException($"{where}: \"answer\" is {a.GetRawText()}; expected a letter (\"A\") or a 0-based index (0)."),
            };
            if (gold < 0 || gold >= options.Count)
                throw new InvalidDataException($"{where}: \"answer\" {a.GetRawText()} is not one of the {options.Count} options (A..{CotQuestion.Letter(options.Count - 1)}).");
            string? group = o.TryGetProperty("group", out var g) ? g.ValueKind switch
            {
                JsonValueKind.String => g.GetString(),
                JsonValueKind.Number => g.GetRawText(),
                JsonValueKind.Null => null,
                _ => throw new InvalidDataException($"{where}: \"group\" is {g.ValueKind}; expected a string or a number."),
            } : null;
            return new CotQuestion(number, q.GetString()!, options, gold, group);
        }
    }
}
