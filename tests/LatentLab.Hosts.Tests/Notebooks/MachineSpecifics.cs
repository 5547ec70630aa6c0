using System.Net;
using System.Net.NetworkInformation;
using System.Text.RegularExpressions;
using LatentLab.Hosts.Tests.Infrastructure;

namespace LatentLab.Hosts.Tests.Notebooks;

/// <summary>
/// What must never appear in a notebook or export that leaves this machine: the checkout's absolute path, the home
/// directory, temporary paths, the host name and this machine's network addresses (read from its interfaces).
/// </summary>
public static class MachineSpecifics
{
    private static readonly Lazy<IReadOnlyList<(string What, Regex Pattern)>> Patterns = new(Build);

    public static IReadOnlyList<string> Find(string text) =>
        Patterns.Value
            .Select(p => (p.What, Match: p.Pattern.Match(text)))
            .Where(p => p.Match.Success)
            .Select(p => $"{p.What}: \"{Context(text, p.Match)}\"")
            .ToList();

    private static IReadOnlyList<(string, Regex)> Build()
    {
        var patterns = new List<(string, Regex)>
        {
            ("the checkout's absolute path", Literal(RepoLayout.Root)),
            ("a temporary path", new Regex(@"(?<![\w.])/tmp/")),
        };

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 1)
        {
            patterns.Add(("the home directory", new Regex(Regex.Escape(home.TrimEnd('/')) + "/")));
        }

        var host = Dns.GetHostName();
        if (host.Length >= 4)
        {
            patterns.Add(("the host name", new Regex($@"(?<![\w-]){Regex.Escape(host)}(?![\w-])", RegexOptions.IgnoreCase)));
        }

        foreach (var address in LocalAddresses())
        {
            patterns.Add(($"this machine's address {address}", new Regex($@"(?<![\w.:]){Regex.Escape(address)}(?![\w.:])", RegexOptions.IgnoreCase)));
        }

        return patterns;
    }

    /// <summary>Every non-loopback unicast address of every interface, without IPv6 scope ids.</summary>
    public static IReadOnlyList<string> LocalAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => !IPAddress.IsLoopback(a))
            .Select(a => a.ToString().Split('%')[0])
            .Distinct()
            .ToList();

    private static Regex Literal(string text) => new(Regex.Escape(text));

    private static string Context(string text, Match match)
    {
        var start = Math.Max(0, match.Index - 60);
        var end = Math.Min(text.Length, match.Index + match.Length + 60);
        return text[start..end].ReplaceLineEndings(" ");
    }
}
