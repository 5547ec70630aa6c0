using LatentLab.Interactive.Help;

namespace LatentLab.Interactive.Tests;

public class HelpPageTests
{
    static readonly CommandHelp[] Commands = [new("#!latentlab", "Help.", "#!latentlab", [])];

    [Fact]
    public void LoadCard_WhenTorchSharpCannotStart_ShowsTheReasonInsteadOfVersions()
    {
        var env = new EnvironmentStatus("1.2.3", null, "libLibTorchSharp.so needs GLIBCXX_3.4.32; this system's libstdc++ stops at 3.4.28. Install GCC 13's libstdc++.");

        var card = HelpPage.LoadCard(env, Commands);

        Assert.Contains("TorchSharp is not available:</b> libLibTorchSharp.so needs GLIBCXX_3.4.32", card.Html);
        Assert.Contains("Try first: <code>#!latentlab</code>", card.Html);
        Assert.Contains("TorchSharp is not available: libLibTorchSharp.so needs GLIBCXX_3.4.32", card.Text);
        Assert.DoesNotContain("libtorch", card.Text.Replace("libLibTorchSharp", ""));
    }

    [Fact]
    public void Help_WhenTorchSharpCannotStart_StillListsTheCommands()
    {
        var page = HelpPage.Render(new EnvironmentStatus("1.2.3", null, "no natives"), Commands);

        Assert.Contains("TorchSharp is not available:</b> no natives", page.Html);
        Assert.Contains("<h4><code>#!latentlab</code></h4>", page.Html);
    }

    [Fact]
    public void Help_WithoutAGpu_SaysHowToSwapInTheCudaBackend_AndWhichMathKernelsRun()
    {
        var runtime = new LatentLab.Torch.RuntimeInfo("1.2.3", "0.107.0", "2.10.0", CudaAvailable: false, CudaDeviceCount: 0, Threads: 1,
            NativeStatus: "loaded by TorchSharp", Kernels: "AVX2 code paths, the same on any x86-64 CPU with AVX2: MKL_CBWR=AVX2");
        var page = HelpPage.Render(new EnvironmentStatus("1.2.3", runtime, null), Commands);

        foreach (var shown in new[] { page.Html, page.Text })
        {
            Assert.Contains("TorchSharp-cuda-linux, 0.107.0", System.Net.WebUtility.HtmlDecode(shown));
            Assert.Contains("ExcludeAssets", shown);
            Assert.Contains("MKL_CBWR=AVX2", shown);
        }
        var withGpu = HelpPage.Render(new EnvironmentStatus("1.2.3", runtime with { CudaAvailable = true, CudaDeviceCount = 1 }, null), Commands);
        Assert.DoesNotContain("ExcludeAssets", withGpu.Text);
    }

    [Theory]
    [InlineData("1.0.0+3e117b77e1b47a75581d05c5ed5ad0fd793f90e4", "1.0.0 (3e117b7)")]
    [InlineData("0.3.0-local.20261128", "0.3.0-local.20261128")]
    public void ShortVersion_KeepsTheVersionAndSevenCharactersOfTheCommit(string informational, string shown) =>
        Assert.Equal(shown, EnvironmentStatus.ShortVersion(informational));
}
