using System.Text;

namespace LatentLab.Reports;

/// <summary>
/// A table of results: a header row, then rows of <see cref="TableCell"/>s (a row may be bold, e.g. the model under
/// study). The first column is left-aligned, the others right-aligned. Renders as HTML with inline styles and as
/// plain text with padded columns.
/// </summary>
public sealed class Table
{
    const string Head = "padding:3px 8px;border-bottom:2px solid #999;text-align:right";
    const string Cell = "padding:3px 8px;border-bottom:1px solid #ddd;text-align:right";
    readonly string[] _headers;
    readonly List<(TableCell[] Cells, bool Bold)> _rows = [];

    public Table(params string[] headers)
    {
        if (headers.Length == 0) throw new ArgumentException("a table needs at least one column.", nameof(headers));
        _headers = headers;
    }

    /// <summary>Adds a row with one cell per column.</summary>
    public Table AddRow(bool bold, params TableCell[] cells)
    {
        if (cells.Length != _headers.Length)
            throw new ArgumentException($"the row has {cells.Length} cells but the table has {_headers.Length} columns ({string.Join(", ", _headers)}).", nameof(cells));
        _rows.Add((cells, bold));
        return this;
    }

    /// <summary>Adds a row in normal weight.</summary>
    public Table AddRow(params TableCell[] cells) => AddRow(false, cells);

    public Rendered Render()
    {
        var html = new StringBuilder("<table style=\"font-family:sans-serif;font-size:13px;border-collapse:collapse;margin-top:6px\"><tr>");
        for (int c = 0; c < _headers.Length; c++)
            html.Append("<th style=\"").Append(Head).Append(c == 0 ? ";text-align:left" : "").Append("\">").Append(ReportFormat.Escape(_headers[c])).Append("</th>");
        html.Append("</tr>");
        foreach (var (cells, bold) in _rows)
        {
            html.Append(bold ? "<tr style=\"font-weight:bold\">" : "<tr>");
            for (int c = 0; c < cells.Length; c++)
                html.Append("<td style=\"").Append(Cell).Append(c == 0 ? ";text-align:left" : "").Append("\">").Append(cells[c].Html).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</table>");

        var widths = Enumerable.Range(0, _headers.Length)
            .Select(c => _rows.Select(r => r.Cells[c].Text.Length).Append(_headers[c].Length).Max()).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> values) =>
            text.AppendLine(string.Join("  ", values.Select((v, c) => c == 0 ? v.PadRight(widths[c]) : v.PadLeft(widths[c]))).TrimEnd());
        Line(_headers);
        foreach (var (cells, _) in _rows) Line(cells.Select(x => x.Text).ToArray());
        return new Rendered(html.ToString(), text.ToString().TrimEnd());
    }
}
