using System.Text;

namespace LatentLab.Reports;

/// <summary>
/// A summary card: a bold title (with an optional red flag such as "PARTIAL"), an optional muted subtitle, a table of
/// key / value rows and muted notes below. Every result card of LatentLab is one of these, so they look alike; it
/// renders as HTML (inline styles, no scripts: safe in static exports) and as plain text.
/// </summary>
public sealed class Card
{
    readonly string _title;
    readonly string _titleHtml;
    readonly List<(string Key, string Text, string Html)> _rows = [];
    readonly List<(string Text, string Html)> _notes = [];
    string? _flag;
    string? _subtitle;

    /// <param name="title">The title as text.</param>
    /// <param name="titleHtml">The same title as HTML (e.g. with bold parts); the escaped text when left out.</param>
    public Card(string title, string? titleHtml = null)
    {
        _title = title;
        _titleHtml = titleHtml ?? ReportFormat.Escape(title);
    }

    /// <summary>A red, bold remark after the title (e.g. that the result is partial); null leaves none.</summary>
    public Card Flag(string? text)
    {
        _flag = text;
        return this;
    }

    /// <summary>A muted line under the title (e.g. where the data came from).</summary>
    public Card Subtitle(string text)
    {
        _subtitle = text;
        return this;
    }

    /// <summary>One row; <paramref name="html"/> is the value as HTML (the escaped text when left out).</summary>
    public Card Row(string key, string text, string? html = null)
    {
        _rows.Add((key, text, html ?? ReportFormat.Escape(text)));
        return this;
    }

    /// <summary>A muted line under the rows; <paramref name="html"/> as for <see cref="Row"/>.</summary>
    public Card Note(string text, string? html = null)
    {
        _notes.Add((text, html ?? ReportFormat.Escape(text)));
        return this;
    }

    public Rendered Render()
    {
        var html = new StringBuilder();
        html.Append("<div class=\"latentlab-card\" style=\"font-family:sans-serif;font-size:13px;border:1px solid ").Append(Palette.Border)
            .Append(";border-radius:6px;padding:10px 14px;max-width:760px\">");
        html.Append("<div style=\"font-weight:bold;font-size:1.1em\">").Append(_titleHtml);
        if (_flag is not null)
            html.Append(" <span style=\"color:").Append(Palette.Alert).Append("\">").Append(ReportFormat.Escape(_flag)).Append("</span>");
        html.Append("</div>");
        if (_subtitle is not null)
            html.Append("<div style=\"color:").Append(Palette.Muted).Append("\">").Append(ReportFormat.Escape(_subtitle)).Append("</div>");
        if (_rows.Count > 0)
        {
            html.Append("<table style=\"margin-top:6px;border-collapse:collapse\">");
            foreach (var (key, _, value) in _rows)
            {
                html.Append("<tr><td style=\"padding:2px 12px 2px 0;color:").Append(Palette.Muted).Append(";text-align:left;vertical-align:top\">")
                    .Append(ReportFormat.Escape(key)).Append("</td><td style=\"padding:2px 0;text-align:left\">").Append(value).Append("</td></tr>");
            }
            html.Append("</table>");
        }
        foreach (var (_, note) in _notes)
            html.Append("<div style=\"color:").Append(Palette.Faint).Append(";margin-top:6px\">").Append(note).Append("</div>");
        html.Append("</div>");

        var text = new StringBuilder(_title);
        if (_flag is not null) text.Append(' ').Append(_flag);
        if (_subtitle is not null) text.Append("\n  ").Append(_subtitle);
        foreach (var (key, value, _) in _rows) text.Append("\n  ").Append(key).Append(": ").Append(value);
        foreach (var (note, _) in _notes) text.Append("\n  ").Append(note);
        return new Rendered(html.ToString(), text.ToString());
    }
}
