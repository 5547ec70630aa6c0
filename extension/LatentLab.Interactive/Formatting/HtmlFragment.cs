using LatentLab.Reports;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// Ready-made output: HTML for notebooks and plain text for consoles and logs. The extension registers formatters that
/// write both as they are, so a <see cref="HtmlFragment"/> can be displayed and later updated in place
/// (<c>DisplayedValue.Update</c> formats the new value with the same formatters).
/// </summary>
public sealed record HtmlFragment(string Html, string Text)
{
    /// <summary>A LatentLab report part (card, table, progress panel) as a displayable fragment.</summary>
    public static HtmlFragment From(Rendered rendered) => new(rendered.Html, rendered.Text);
}
