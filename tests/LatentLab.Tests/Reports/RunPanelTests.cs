using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Probes;
using LatentLab.Reports;

namespace LatentLab.Tests.Reports;

public class RunPanelTests
{
    static RunProgress Step(long done, double loss, double reward) =>
        new("Training", done, 100, TimeSpan.FromSeconds(done / 10.0)) { Scalars = [new("loss", loss), new("reward", reward, "0.0")] };

    [Fact]
    public void RunProgress_RateAndEta_FollowThePaceSoFar()
    {
        var p = new RunProgress("Training", 25, 100, TimeSpan.FromSeconds(10));
        Assert.Equal(0.25, p.Fraction);
        Assert.Equal(2.5, p.PerSecond);
        Assert.Equal(TimeSpan.FromSeconds(30), p.Eta);                                // 10 s for a quarter: 30 s for the rest
        Assert.Null((p with { Done = 0 }).Eta);                                        // nothing done: no estimate
        Assert.Equal(TimeSpan.Zero, (p with { Done = 100 }).Eta);
        Assert.Null((p with { Total = 0 }).Eta);                                       // unknown total
        Assert.Equal(1234.0, (p with { Rate = 1234 }).PerSecond);
    }

    [Fact]
    public void Panel_ShowsBarFiguresAndAGrowingChartOfEachScalar()
    {
        var panel = new RunPanel("Training a toy");
        Assert.Equal("Training a toy", panel.Starting().Text);

        panel.Report(Step(10, 0.9, 1.0));
        var one = panel.Render();
        Assert.Equal("[##..................] Training: 10/100 steps · loss 0.900 · reward 1.0 · 10.0 steps/s · elapsed 1.0 s · ETA 9.0 s", one.Text);
        Assert.Contains("width:10%", one.Html);
        Assert.DoesNotContain("latentlab-chart", one.Html);                           // one point is not a curve yet

        panel.Report(Step(20, 0.7, 2.0));
        panel.Report(Step(30, 0.5, 3.0));
        var three = panel.Render();
        Assert.Contains("latentlab-chart", three.Html);
        var (data, _) = ChartHtml.ToJson(ProgressCharts.Scalars(panel.History, "t")!);
        Assert.Contains("\"x\":[10,20,30],\"y\":[0.9,0.7,0.5]", data.Replace(" ", ""));
        Assert.Contains("\"name\":\"reward\"", data);
        Assert.DoesNotContain("\"yaxis\":\"y2\"", data);                              // one axis for every scalar (no overlaid second axis)
        Assert.DoesNotContain("plotly.js 4", three.Html);                              // live renders never carry plotly.js

        var done = panel.Finished("Interrupted after 30 steps.", stopped: true);
        Assert.StartsWith("Interrupted after 30 steps. Training: 30/100 steps", done.Text);
        Assert.Contains(Palette.Red, done.Html);
        Assert.DoesNotContain("latentlab-chart", done.Html);
        Assert.Contains("latentlab-chart", panel.Finished("stopped", stopped: true, withChart: true).Html);
    }

    [Fact]
    public void Stopped_ShowsTheChartAsLastRendered_WithoutDrawingItAgain()
    {
        var panel = new RunPanel("Training a toy");
        panel.Report(Step(10, 0.9, 1.0));
        panel.Render();                                                                // one point: the live display had no chart yet
        panel.Report(Step(20, 0.7, 2.0));
        var early = panel.Stopped("Interrupted.");
        Assert.DoesNotContain("latentlab-chart", early.Html);                          // nothing drawn yet, nothing drawn now
        Assert.StartsWith("Interrupted. Training: 20/100 steps", early.Text);          // the figures are the newest report's
        Assert.Contains(Palette.Red, early.Html);

        panel.Report(Step(30, 0.5, 3.0));
        var live = panel.Render();                                                     // the chart of 10, 20, 30
        panel.Report(Step(40, 0.4, 4.0));
        var stopped = panel.Stopped("Interrupted.");
        Assert.StartsWith("Interrupted. Training: 40/100 steps", stopped.Text);
        var id = System.Text.RegularExpressions.Regex.Match(live.Html, "latentlab-chart-[0-9a-f]{32}").Value;
        Assert.NotEmpty(id);
        Assert.Contains(id, stopped.Html);                                             // the very chart the live display drew (each drawing has its own id)
        Assert.DoesNotContain("[10,20,30,40]", stopped.Html.Replace(" ", ""));         // not redrawn with the report after it
        Assert.Contains("[10,20,30,40]", panel.Finished("done", withChart: true).Html.Replace(" ", ""));   // Finished draws it anew
    }

    [Fact]
    public void Panel_KeepsOneReportPerCount_AndThinsLongCurves()
    {
        var panel = new RunPanel("x");
        panel.Report(Step(5, 1, 1));
        panel.Report(Step(5, 0.8, 1));                                                 // the same count again replaces it
        Assert.Single(panel.History);
        Assert.Equal(0.8, panel.Latest!.Scalar("loss"));

        var long_ = Enumerable.Range(1, 2000).Select(i => Step(i, 1.0 / i, i)).ToList();
        var (data, _) = ChartHtml.ToJson(ProgressCharts.Scalars(long_, "t")!);
        Assert.Contains(",2000]", data.Replace(" ", ""));                               // the newest point is always drawn
        Assert.True(data.Length < 60_000, $"{data.Length} chars for 2000 reports");
    }

    [Fact]
    public void EveryScienceProgressRecord_ConvertsToARunProgress()
    {
        var training = new TrainingProgress(50, 200, 0.25, 0.875, 0.5, 12_345, TimeSpan.FromSeconds(5)).ToRunProgress();
        Assert.Equal((50L, 200L, TimeSpan.FromSeconds(15)), (training.Done, training.Total, training.Eta!.Value));
        Assert.Equal(new[] { 0.25, 0.875, 0.5 }, training.Scalars.Select(s => s.Value));
        Assert.Contains("12.3 k env-steps/s", RunPanel.Figures(training));

        var sweep = new SweepProgress(2, 4, 20, 40, TimeSpan.FromSeconds(2), "layer 1 (2/4): best accuracy 0.900 at position 3") { BestAccuracy = 0.9 }.ToRunProgress();
        Assert.Equal("Probe sweep: 20/40 cells · best accuracy of the last layer 0.900 · 10.0 cells/s · elapsed 2.0 s · ETA 2.0 s · " +
                     "2/4 layers; layer 1 (2/4): best accuracy 0.900 at position 3", RunPanel.Figures(sweep));

        var cot = new CotSyntheticProgress("record", 120, 120, 0.5, 0.75, TimeSpan.FromSeconds(3)).ToRunProgress();
        Assert.StartsWith("cot-synthetic: recording activations: 120/120 steps", RunPanel.Figures(cot));

        var eval = new EvaluationProgress("ucb1", 1, 4, 50, 100, TimeSpan.FromSeconds(1.5)).ToRunProgress();
        Assert.Equal((150L, 400L), (eval.Done, eval.Total));                           // policy 2 of 4, half way
        Assert.StartsWith("Evaluating ucb1 (2 of 4): 150/400 steps", RunPanel.Figures(eval));
    }
}
