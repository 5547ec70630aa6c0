using LatentLab.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

public class LatentLabCommandTests
{
    [Fact]
    public async Task Latentlab_ShowsVersionsDevicesThreadsAndItsOwnEntry()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var result = await kernel.SubmitAsync("#!latentlab");

        result.AssertSucceeded();
        var shown = result.Events.OfType<DisplayedValueProduced>().Single();
        var html = shown.Formatted("text/html");
        var text = shown.Formatted("text/plain");
        Assert.Contains("TorchSharp</th><td>0.107.0", html);
        Assert.Contains("libtorch</th><td>2.10", html);
        Assert.Contains("Torch threads", html);
        Assert.Contains("cpu", html);
        Assert.Contains("<code>#!latentlab</code>", html);
        Assert.Contains("Example:", html);
        Assert.Contains("TorchSharp 0.107.0, libtorch 2.10", text);
        Assert.Contains("#!latentlab", text);
    }

    [Fact]
    public async Task Latentlab_ListsEveryCommandOfTheCentralList()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var html = (await kernel.SubmitAsync("#!latentlab")).Html().Single();

        Assert.NotEmpty(LatentLabCommands.All);
        foreach (var definition in LatentLabCommands.All)
        {
            Assert.Contains($"<code>{definition.Name}</code>", html);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(definition.Example), html);
            foreach (var option in definition.Options)
            {
                Assert.Contains($"<code>{option.Name}</code>", html);
            }
        }
    }

    [Fact]
    public async Task Latentlab_PicksUpANewlyRegisteredCommandWithOptionsDefaultsAndAllowedValues()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var before = (await kernel.SubmitAsync("#!latentlab")).Html().Single();
        Assert.DoesNotContain("#!test-echo", before);

        TestCommands.EchoTestCommand.Definition.AddTo(kernel);
        var result = await kernel.SubmitAsync("#!latentlab");

        var shown = result.Events.OfType<DisplayedValueProduced>().Single();
        var html = shown.Formatted("text/html");
        Assert.Contains("<code>#!test-echo</code>", html);
        Assert.Contains("<p>Echoes its options (test only).</p>", html);
        Assert.Contains("<tr><td style=\"white-space:nowrap\"><code>--count</code></td><td style=\"text-align:left\">How many things.</td><td><code>3</code></td><td>1 to 10</td></tr>", html);
        Assert.Contains("<td><code>auto</code></td><td>auto | cpu | cuda</td>", html);
        Assert.Contains("comma-separated list of random, greedy, ucb1, thompson", html);
        Assert.Contains("<pre>#!test-echo --count 5 --device cpu --out echoed</pre>", html);
        var text = shown.Formatted("text/plain");
        Assert.Contains("--count        How many things. (default 3; 1 to 10)", text);
        Assert.Contains("Example: #!test-echo --count 5 --device cpu --out echoed", text);
    }

    [Fact]
    public void EveryRegisteredCommand_ItsDefaultsPassItsOwnValidation_ButForTheRequiredOptions()
    {
        foreach (var definition in LatentLabCommands.All.Append(TestCommands.EchoTestCommand.Definition))
        {
            var command = (LatentLabCommand)Activator.CreateInstance(definition.CommandType)!;
            var required = definition.Options.Where(o => o.Required).Select(o => $"{o.Name} is required").ToArray();
            var problems = command.Validate();
            Assert.Equal(required.Length, problems.Count);
            Assert.All(problems, p => Assert.Contains(required, r => p.StartsWith(r, StringComparison.Ordinal)));
        }
    }
}
