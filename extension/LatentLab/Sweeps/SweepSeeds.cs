using System.Globalization;

namespace LatentLab.Sweeps;

/// <summary>Reads a seed list as typed: <c>0-15</c>, <c>0,3,5</c> or both (<c>0-3,10</c>).</summary>
public static class SweepSeeds
{
    /// <summary>The most seeds one sweep takes.</summary>
    public const int Limit = 100_000;

    /// <summary>The seeds in <paramref name="text"/>, in order, without repeats; <see cref="ArgumentException"/> naming --seeds when unreadable.</summary>
    public static IReadOnlyList<int> Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException("--seeds is empty: give a range like 0-15, a list like 0,3,5, or one seed like 0.");
        var seeds = new List<int>();
        var seen = new HashSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0)
                throw new ArgumentException($"--seeds '{text}' has an empty item (two commas in a row or a trailing comma).");
            var dash = part.IndexOf('-', 1);
            int first, last;
            if (dash > 0)
            {
                first = Seed(part[..dash].Trim(), text);
                last = Seed(part[(dash + 1)..].Trim(), text);
                if (last < first) throw new ArgumentException($"--seeds '{text}': the range {part} runs backwards; write {last}-{first}.");
            }
            else
            {
                first = last = Seed(part, text);
            }
            if ((long)last - first + 1 + seeds.Count > Limit)
                throw new ArgumentException($"--seeds '{text}' gives more than {Limit} seeds; split the sweep.");
            for (long s = first; s <= last; s++)
            {
                if (seen.Add((int)s)) seeds.Add((int)s);
            }
        }
        return seeds;
    }

    static int Seed(string item, string text) =>
        int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new ArgumentException($"--seeds '{text}': '{item}' is not a seed (a whole number from 0); write e.g. 0-15 or 0,3,5.");
}
