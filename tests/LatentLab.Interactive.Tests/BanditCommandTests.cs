using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

/// <summary>#!bandit-train and #!bandit-eval in an in-process notebook, with configurations small enough to take seconds.</summary>
public class BanditCommandTests
{
    /// <summary>A student that trains in well under a second: 3 arms, 10 pulls, hidden 8, 20 steps of 32 episodes.</summary>
    internal const string TinyTrain = "#!bandit-train --arms 3 --train-horizon 10 --hidden 8 --steps 20 --batch 32 --seed 1 --device cpu";

    static object? Returned(KernelCommandResult result) => result.Events.OfType<ReturnValueProduced>().Single().Value;

    static string FailureMessage(KernelCommandResult result) =>
        result.Failure()?.Message ?? throw new Xunit.Sdk.XunitException(
            "Expected CommandFailed, got: " + string.Join(", ", result.Events.Select(e => e.GetType().Name)));

    [Fact]
    public async Task TrainThenEval_BindsTheStudentAndTheEvaluation_ForTheNextCSharpCells()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var train = await kernel.SubmitAsync(TinyTrain + " --out tiny");
        train.AssertSucceeded();
        Assert.Contains(train.Html(), h => h.Contains("<code>tiny</code> now holds the result (<code>TrainedStudent</code>)"));
        Assert.Contains(train.Html(), h => h.Contains("LSTM bandit student"));                 // the summary card
        var trained = await kernel.SubmitAsync("$\"{tiny.StepsCompleted} {tiny.Arms} {tiny.TrainHorizon} {tiny.IsPartial} {tiny.Options.Dagger}\"");
        trained.AssertSucceeded();
        Assert.Equal("20 3 10 False True", Returned(trained));

        var eval = await kernel.SubmitAsync("#!bandit-eval --model tiny --horizon 25 --episodes 64 --baselines random,greedy,eps-greedy,ucb1,thompson --device cpu --out ev");
        eval.AssertSucceeded();
        var table = Assert.Single(eval.Html(), h => h.Contains("Bandit evaluation"));
        Assert.Contains("regret at 10", table);
        Assert.Contains("regret at 25", table);
        Assert.Contains("agreement with UCB1 11–25", table);
        Assert.Contains("latentlab-chart", table);                                            // the cumulative regret chart
        Assert.DoesNotContain(eval.Html(), h => h.Contains("shorter than the student's training horizon"));

        var columns = await kernel.SubmitAsync(
            "var df = ev.ToDataFrame(); $\"{string.Join(\",\", df.Columns.Select(c => c.Name))} {df.Rows.Count} {string.Join(\",\", ev.Curves.Select(c => c.Policy))}\"");
        columns.AssertSucceeded();
        Assert.Equal("policy,step,regret,regret_ci_low,regret_ci_high 150 student,random,greedy,eps-greedy,ucb1,thompson", Returned(columns));
    }

    [Fact]
    public async Task Train_ShowsOneLiveDisplay_UpdatedInPlace_EndingWithTheFinalFigures()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var result = await kernel.SubmitAsync("#!bandit-train --arms 3 --train-horizon 10 --hidden 8 --steps 60 --batch 16 --device cpu");

        result.AssertSucceeded();
        var live = result.Events.OfType<DisplayedValueProduced>()
            .First(e => e.FormattedValues.Any(v => v.MimeType == "text/plain" && v.Value.StartsWith("Training the student")));
        var updates = result.Events.OfType<DisplayedValueUpdated>().ToArray();
        Assert.NotEmpty(updates);
        Assert.All(updates, u => Assert.Equal(live.ValueId, u.ValueId));
        Assert.StartsWith("Done: 60 steps", updates[^1].Formatted("text/plain"));
        var html = updates[^1].Formatted("text/html");
        Assert.Contains("agreement with teacher", html);
        Assert.Matches(@"[0-9.]+ (k|M) env-steps/s", html);
        Assert.Contains("ETA", html);
        Assert.DoesNotContain("window.Plotly) { return; }", html);                            // plotly.js is never inside the live display
        var card = result.Events.OfType<DisplayedValueProduced>().Single(e => e.FormattedValues.Any(v => v.Value.Contains("LSTM bandit student")));
        Assert.Contains("latentlab-chart", card.Formatted("text/html"));                       // the card carries the training curves
    }

    [Fact]
    public async Task Train_ShowsTheChartGrowing_AndAnInterruptStopsIt_KeepingThePartialStudentBound()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var chartShown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            if (e is DisplayedValueUpdated u && u.FormattedValues.Any(v => v.Value.Contains("latentlab-chart"))) chartShown.TrySetResult();
        });

        var training = kernel.SubmitAsync("#!bandit-train --arms 3 --train-horizon 20 --hidden 16 --steps 100000 --batch 64 --device cpu --out partial");
        await chartShown.Task.WaitAsync(TimeSpan.FromSeconds(90));                              // the loss/agreement chart grows in the live display
        await kernel.SendAsync(new Cancel());
        // How fast it stops is a step-granular property of the trainer (LatentLab.Tests: Cancellation_StopsTraining_...);
        // here only that the interrupt ends the cell (no wall-clock limit in a test).
        var result = await training.WaitAsync(TimeSpan.FromSeconds(60));
        var check = await kernel.SubmitAsync("$\"{partial.IsPartial} {partial.StepsCompleted > 0} {partial.StepsCompleted < 100000}\"");
        check.AssertSucceeded();
        Assert.Equal("True True True", Returned(check));
        var live = result.Events.OfType<DisplayedValueUpdated>().Last();
        Assert.StartsWith("Interrupted: partial holds the partial student", live.Formatted("text/plain"));
        Assert.Contains(result.Events.OfType<DisplayedValueProduced>(), e => e.ValueId == live.ValueId);
    }

    [Fact]
    public async Task Train_TakesItsOptionsFromCSharpVariables_LikeANotebooksParametersCell()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync("var arms = 4; var steps = 6; var device = \"cpu\";")).AssertSucceeded();

        var train = await kernel.SubmitAsync("#!bandit-train --arms @csharp:arms --train-horizon 8 --hidden 8 --steps @csharp:steps --batch 16 --device @csharp:device --out fromVariables");

        train.AssertSucceeded();
        var check = await kernel.SubmitAsync("$\"{fromVariables.Arms} {fromVariables.StepsCompleted} {fromVariables.Device}\"");
        Assert.Equal("4 6 cpu", Returned(check));
    }

    [Fact]
    public async Task TrainAndEval_TakeEveryKnobFromOptionRecordsNamedByOptions()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync(
            "var t = new LatentLab.Imitation.BanditTrainingOptions { Arms = 4, TrainHorizon = 8, Hidden = 8, Steps = 5, Batch = 16, Seed = 2 };" +
            "var e = new LatentLab.Bandits.BanditEvaluationOptions { Horizon = 12, Episodes = 40, Baselines = new[] { \"greedy\" } };")).AssertSucceeded();

        (await kernel.SubmitAsync("#!bandit-train --options t --device cpu --out fromRecord")).AssertSucceeded();
        (await kernel.SubmitAsync("#!bandit-eval --model fromRecord --options e --device cpu --out evalFromRecord")).AssertSucceeded();

        var check = await kernel.SubmitAsync(
            "$\"{fromRecord.Arms} {fromRecord.TrainHorizon} {fromRecord.StepsCompleted} {evalFromRecord.Horizon} {evalFromRecord.Episodes} {string.Join(\",\", evalFromRecord.Curves.Select(c => c.Policy))}\"");
        Assert.Equal("4 8 5 12 40 student,greedy", Returned(check));
        var wrongType = await kernel.SubmitAsync("#!bandit-train --options e --device cpu");
        Assert.Contains("--options e: 'e' has type BanditEvaluationOptions; --options needs type BanditTrainingOptions", FailureMessage(wrongType));
    }

    [Fact]
    public async Task Eval_WithAHorizonBelowTheTrainingHorizon_RunsAndSaysSo()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync(TinyTrain + " --out tiny")).AssertSucceeded();

        var result = await kernel.SubmitAsync("#!bandit-eval --model tiny --horizon 5 --episodes 16 --baselines ucb1 --device cpu");

        result.AssertSucceeded();
        Assert.Contains(result.Html(), h => h.Contains("--horizon 5 is shorter than the student's training horizon 10"));
        var rows = await kernel.SubmitAsync("evaluation.ToDataFrame().Rows.Count");
        Assert.Equal(10L, Convert.ToInt64(Returned(rows)));
    }

    [Fact]
    public async Task SaveThenLoad_EvaluatesTheSavedStudent_AndABadCheckpointFailsWithTheLibrarysMessage()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var dir = Directory.CreateTempSubdirectory("latentlab-banditnb-");
        try
        {
            var path = Path.Combine(dir.FullName, "tiny.ckpt");
            var train = await kernel.SubmitAsync(TinyTrain + $" --save {path}");
            train.AssertSucceeded();
            Assert.True(File.Exists(path));

            var loaded = await kernel.SubmitAsync($"#!bandit-eval --load {path} --horizon 12 --episodes 32 --baselines ucb1 --device cpu --out fromFile");
            loaded.AssertSucceeded();
            var check = await kernel.SubmitAsync("$\"{fromFile.Curves.Count} {fromFile.TrainHorizon}\"");
            Assert.Equal("2 10", Returned(check));

            var garbage = Path.Combine(dir.FullName, "garbage.ckpt");
            await File.WriteAllTextAsync(garbage, "not a checkpoint");
            var bad = await kernel.SubmitAsync($"#!bandit-eval --load {garbage} --device cpu");
            Assert.Contains("is not a LatentLab bandit-student checkpoint", FailureMessage(bad));
            Assert.DoesNotContain("LatentLab bug", FailureMessage(bad));

            var missing = await kernel.SubmitAsync($"#!bandit-eval --load {Path.Combine(dir.FullName, "nope.ckpt")} --device cpu");
            Assert.Contains("the file does not exist", FailureMessage(missing));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("#!bandit-train --arms 1", "--arms must be from 2 to 64 (got 1)")]
    [InlineData("#!bandit-train --train-horizon 0", "--train-horizon must be from 1 to 10000 (got 0)")]
    [InlineData("#!bandit-train --teacher greedy", "--teacher must be one of ucb1, thompson (got 'greedy')")]
    [InlineData("#!bandit-train --dagger --bc", "--dagger and --bc exclude each other")]
    [InlineData("#!bandit-train --time-input", "--time-input needs --architecture joint")]
    [InlineData("#!bandit-train --out 1model", "--out must be a C# variable name")]
    [InlineData("#!bandit-train --index-loss -1", "--index-loss must be from 0 to 100 (got -1)")]
    [InlineData("#!bandit-train --index-scale 0", "--index-scale must be above 0 and at most 10000 (got 0)")]
    [InlineData("#!bandit-eval --model m --horizon 0", "--horizon must be from 1 to 10000 (got 0)")]
    [InlineData("#!bandit-eval --model m --baselines random,ucb2", "--baselines: 'ucb2' not known; use a comma-separated list of random, greedy, eps-greedy, ucb1, thompson")]
    [InlineData("#!bandit-eval --model m --load m.ckpt", "give --model or --load, not both")]
    [InlineData("#!bandit-eval", "--model model: there is no variable 'model' in this notebook. Create it with #!bandit-train --out model")]
    [InlineData("#!bandit-eval --model noSuchModel", "there is no variable 'noSuchModel' in this notebook. Create it with #!bandit-train --out noSuchModel")]
    public async Task BadInput_FailsWithAMessageNamingTheProblemAndTheFix(string cell, string expected)
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var result = await kernel.SubmitAsync(cell);

        Assert.Contains(expected, FailureMessage(result));
        var alive = await kernel.SubmitAsync("1 + 1");
        alive.AssertSucceeded();
    }

    [Fact]
    public async Task Eval_OfAVariableThatIsNotAStudent_SaysWhatItIs()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync("var notAStudent = 42;")).AssertSucceeded();

        var result = await kernel.SubmitAsync("#!bandit-eval --model notAStudent --device cpu");

        Assert.Contains("'notAStudent' is an Int32, not a trained student", FailureMessage(result));
    }
}
