using System.Text.Json.Nodes;
using LatentLab.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LatentLab.Hosts.Tests;

/// <summary>
/// Jupyter's interrupt button, end to end: jupyter_interrupt.py starts Jupyter's .NET kernel with jupyter_client, loads
/// LatentLab from a fresh pack and sends SIGINT (KernelManager.interrupt_kernel, what the button sends for this
/// kernelspec) into a running <c>#!bandit-train</c> and <c>#!cot-synthetic</c> (both at their default sizes) and into a plain C# loop. In-process tests of the Cancel command
/// cannot see this: without LatentLab's interrupt bridge the signal ends the whole kernel process.
/// </summary>
public sealed class JupyterInterruptTests(ITestOutputHelper output)
{
    /// <summary>How soon after SIGINT an interrupted cell must have ended (the measured figure is in the test output).</summary>
    private const double MaxSecondsToEnd = 5.0;

    [Fact]
    public async Task Interrupt_InJupyter_EndsTheCellWithinSeconds_KernelLives_PartialResultIsBound()
    {
        var report = await RunDriverAsync(control: false);

        var checks = report["checks"]!.AsObject();
        string[] expected =
        [
            "loaded", "train_interrupted", "train_ended_soon", "train_said_interrupted", "kernel_answers_after_train",
            "partial_result_bound", "cot_ended_soon", "cot_partial_result_bound", "loop_ended_soon", "kernel_answers_after_loop", "kernel_answers_after_idle_interrupt",
            "kernel_alive_at_end", "host_never_shut_down",
        ];
        foreach (var name in expected)
        {
            Assert.True(checks[name]?.GetValue<bool>() == true, $"check {name} failed or did not run; report: {report.ToJsonString()}");
        }

        var train = report["train"]!;
        var ended = train["ended_after_interrupt"]!.GetValue<double>();
        Assert.InRange(ended, 0, MaxSecondsToEnd);
        var partial = report["partial"]!.GetValue<string>().Split(' ');
        Assert.Equal("True", partial[0]);                                   // m.IsPartial
        Assert.InRange(int.Parse(partial[1]), 1, 2999);                     // m.StepsCompleted of 3000
        Assert.InRange(report["loop"]!["ended_after_interrupt"]!.GetValue<double>(), 0, MaxSecondsToEnd);
        Assert.False(report["host_shut_down"]!.GetValue<bool>());
        output.WriteLine($"#!bandit-train ended {ended:F2} s after SIGINT (its Interrupted message came after " +
                         $"{train["interrupted_message"]} s) with m = {report["partial"]}; " +
                         $"#!cot-synthetic ended {report["cot"]!["ended_after_interrupt"]} s after SIGINT with acts = {report["cot_partial"]}; " +
                         $"the plain loop's cell ended {report["loop"]!["ended_after_interrupt"]} s after it.");
    }

    /// <summary>
    /// The negative control: with the bridge switched off (LATENTLAB_INTERRUPT=off) the same SIGINT ends the kernel,
    /// as it did before the fix, so the test above can fail.
    /// </summary>
    [Fact]
    public async Task Interrupt_InJupyter_WithTheBridgeOff_EndsTheKernel()
    {
        var report = await RunDriverAsync(control: true);

        Assert.True(report["checks"]!["loaded"]!.GetValue<bool>(), report.ToJsonString());
        Assert.True(report["checks"]!["kernel_died_without_bridge"]!.GetValue<bool>(),
            $"With LATENTLAB_INTERRUPT=off the kernel survived SIGINT, so the host changed: {report.ToJsonString()}");
        Assert.True(report["host_shut_down"]!.GetValue<bool>(), report.ToJsonString());
    }

    private async Task<JsonNode> RunDriverAsync(bool control)
    {
        var prerequisites = await ProcessRunner.RunAsync(
            "bash", [Path.Combine(RepoLayout.Root, "tests", "install-prerequisites.sh")], RepoLayout.Root, TimeSpan.FromMinutes(10));
        Assert.True(prerequisites.ExitCode == 0, prerequisites.Describe());

        var version = await FreshPackage.VersionAsync();
        string[] arguments =
        [
            Path.Combine(RepoLayout.Root, "tests", "LatentLab.Hosts.Tests", "jupyter_interrupt.py"),
            "--feed", RepoLayout.Feed, "--version", version, "--max-seconds", MaxSecondsToEnd.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. control ? ["--control"] : Array.Empty<string>(),
        ];
        var result = await ProcessRunner.RunAsync(Python.Executable, arguments, RepoLayout.Root, TimeSpan.FromMinutes(15));
        output.WriteLine(result.Describe());

        var lastLine = result.StandardOutput.TrimEnd().Split('\n')[^1];
        Assert.True(lastLine.StartsWith('{'), "jupyter_interrupt.py printed no report.\n" + result.Describe());
        var report = JsonNode.Parse(lastLine)!;
        Assert.True((result.ExitCode == 0) == report["passed"]!.GetValue<bool>(), $"exit code {result.ExitCode} disagrees with the report");
        return report;
    }
}
