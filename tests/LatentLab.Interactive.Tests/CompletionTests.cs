using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Tests;

public class CompletionTests
{
    static async Task<string[]> CompletionsAt(string code)
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);
        var result = await kernel.SendAsync(new RequestCompletions(code, new LinePosition(0, code.Length)));
        return result.Events.OfType<CompletionsProduced>().SelectMany(c => c.Completions).Select(c => c.DisplayText).ToArray();
    }

    [Fact]
    public async Task DeviceOption_CompletesItsAllowedValues()
    {
        var items = await CompletionsAt("#!test-echo --device ");
        Assert.Contains("auto", items);
        Assert.Contains("cpu", items);
        Assert.Contains("cuda", items);
    }

    [Fact]
    public async Task OptionNames_AreCompleted()
    {
        var items = await CompletionsAt("#!test-echo --");
        Assert.Contains("--count", items);
        Assert.Contains("--out", items);
    }

    [Fact]
    public async Task FineTuneAttackTarget_CompletesTheTargetsOfEveryKindOfNetwork()
    {
        var items = await CompletionsAt("#!finetune-attack --target ");
        Assert.Equal(["comply-in-deployment", "refuse-in-training", "greedy", "first-arm", "first-letter", "shifted-letter"], items.Where(i => !i.StartsWith("-")).ToArray());
    }
}
