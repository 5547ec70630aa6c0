namespace LatentLab.Reports;

/// <summary>One piece of report output in two forms: HTML for notebooks and plain text for consoles and logs.</summary>
public sealed record Rendered(string Html, string Text);
