using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

public class ExtensionLoadTests
{
    [Fact]
    public async Task LoadingDirectly_WithoutInvocationContext_RegistersTheCommands()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        Assert.Contains(kernel.KernelInfo.SupportedDirectives, d => d.Name == "#!latentlab");
    }

    [Fact]
    public async Task LoadingTwice_KeepsOneCopyOfEachCommand()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        await new LatentLabKernelExtension().OnLoadAsync(kernel);

        Assert.Single(kernel.KernelInfo.SupportedDirectives, d => d.Name == "#!latentlab");
        (await kernel.SubmitAsync("#!latentlab")).AssertSucceeded();
    }

    [Fact]
    public async Task LoadingFromACell_ShowsACardWithVersionsDeviceAndWhatToTryFirst()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        // What a host does after #r "nuget:": OnLoadAsync while a submission is running.
        var result = await kernel.SubmitAsync(
            "await new LatentLab.Interactive.LatentLabKernelExtension().OnLoadAsync(Microsoft.DotNet.Interactive.Kernel.Root);");

        result.AssertSucceeded();
        var card = result.Events.OfType<DisplayedValueProduced>().Single();
        var html = card.Formatted("text/html");
        Assert.Contains("is loaded", html);
        Assert.Contains("TorchSharp 0.107.0, libtorch 2.10", html);
        Assert.Contains("<code>--device auto</code> uses <b>cpu</b>", html);
        Assert.Contains("Try first: <code>#!latentlab</code>", html);
        Assert.Contains("Try first: #!latentlab", card.Formatted("text/plain"));
    }

    [Fact]
    public async Task ResultTypesOfTheExtension_AreUsableFromCSharpCells()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var result = await kernel.SubmitAsync("typeof(LatentLab.Reports.ChartHtml).Name + typeof(LatentLab.Interactive.Commands.LatentLabCommand).Name");

        result.AssertSucceeded();
        Assert.Equal("ChartHtmlLatentLabCommand", result.ReturnedText());
    }
}
