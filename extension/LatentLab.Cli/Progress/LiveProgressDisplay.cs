using LatentLab.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LatentLab.Cli.Progress;

/// <summary>
/// Progress on a terminal (Spectre.Console live display on stderr, redrawn four times a second): the stage, a bar, count,
/// rate and ETA, then one line of the latest scalars. Rate and ETA are <see cref="RunProgress"/>'s own.
/// </summary>
public sealed class LiveProgressDisplay(TextWriter error) : ProgressDisplay
{
    readonly IAnsiConsole _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });

    /// <inheritdoc />
    protected override Task ShowWhileAsync(Task work) =>
        _console.Live(Render(null)).AutoClear(false).StartAsync(async live =>
        {
            while (!work.IsCompleted)
            {
                await Tick(work, TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
                live.UpdateTarget(Render(Latest));
            }
        });

    static IRenderable Render(RunProgress? p)
    {
        if (p is null) return new Markup("[grey]starting…[/]");
        const int width = 30;
        int filled = (int)Math.Round(p.Fraction * width);
        var bar = $"[green]{new string('━', filled)}[/][grey]{new string('━', width - filled)}[/]";
        var head = $"[bold]{Markup.Escape(p.Stage)}[/]  {bar}  {Markup.Escape(ProgressLine.Count(p))}";
        if (ProgressLine.Rate(p) is { } rate) head += $"  [blue]{Markup.Escape(rate)}[/]";
        if (p.Total > 0) head += $"  ETA [yellow]{Markup.Escape(p.Eta is { } eta ? ReportFormat.Duration(eta) : "…")}[/]";
        var lines = new List<IRenderable> { new Markup(head) };
        var scalars = string.Join("   ", p.Scalars.Where(s => !double.IsNaN(s.Value)).Select(s => $"{s.Name} {ReportFormat.Number(s.Value, s.Format)}"));
        if (scalars.Length > 0) lines.Add(new Markup("[grey]" + Markup.Escape(scalars) + "[/]"));
        if (!string.IsNullOrWhiteSpace(p.Message)) lines.Add(new Markup("[grey]" + Markup.Escape(p.Message!) + "[/]"));
        return new Rows(lines);
    }
}
