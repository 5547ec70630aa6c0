using System.Reflection;
using System.Text.RegularExpressions;

namespace LatentLab.Reports;

/// <summary>
/// plotly.js, shipped inside LatentLab.dll (npm plotly.js-dist-min, MIT; see Reports/plotly/NOTICE.md), so charts draw
/// with no network: in live notebooks, re-opened ones and static HTML exports. <see cref="ScriptTag"/> is what the first
/// chart of a notebook carries (the way plotly.py's offline mode embeds it once per notebook).
/// </summary>
public static partial class PlotlyJs
{
    /// <summary>Version of the embedded plotly.js.</summary>
    public const string Version = "4.1.2";

    const string BundleResource = "LatentLab.Reports.plotly.plotly.min.js";
    const string LicenseResource = "LatentLab.Reports.plotly.LICENSE";

    static readonly Lazy<string> OfflineBundle = new(() => MakeOffline(ReadResource(BundleResource)));

    /// <summary>The MIT licence notice of plotly.js, as shipped in the npm package.</summary>
    public static string License => ReadResource(LicenseResource);

    /// <summary>The embedded bundle exactly as published on npm.</summary>
    public static string OriginalBundle => ReadResource(BundleResource);

    /// <summary>
    /// The bundle as LatentLab emits it: the CDN addresses it holds as defaults for geo and map traces replaced by
    /// <c>https://offline.invalid/</c> (no output names a CDN), and any <c>&lt;/script</c> escaped so it can sit inline.
    /// </summary>
    public static string Bundle => OfflineBundle.Value;

    /// <summary>
    /// A <c>&lt;script&gt;</c> element that defines <c>window.Plotly</c>. It hides <c>define</c>, <c>module</c> and <c>exports</c>
    /// from the bundle, so a page that also loads require.js (Jupyter's classic HTML export does) cannot capture
    /// plotly.js as an AMD or CommonJS module, and it does nothing when <c>window.Plotly</c> already exists.
    /// </summary>
    public static string ScriptTag() =>
        "<script type=\"text/javascript\">\n" +
        $"/* plotly.js {Version} (c) Plotly, Inc., MIT licence; embedded by LatentLab once per notebook so charts draw offline. */\n" +
        "(function (define, module, exports) {\n" +
        "if (typeof window !== 'undefined' && window.Plotly) { return; }\n" +
        Bundle +
        "\n}).call(typeof window !== 'undefined' ? window : this);\n" +
        "</script>";

    static string MakeOffline(string bundle)
    {
        var offline = CdnUrl().Replace(bundle, "https://offline.invalid/");
        return ScriptEnd().Replace(offline, "<\\/script");
    }

    [GeneratedRegex(@"https?://[A-Za-z0-9.-]*cdn[A-Za-z0-9-]*\.[A-Za-z0-9.-]+/", RegexOptions.CultureInvariant)]
    private static partial Regex CdnUrl();

    [GeneratedRegex("</script", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ScriptEnd();

    static string ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"LatentLab.dll lacks its embedded resource {name}; rebuild the LatentLab project.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
