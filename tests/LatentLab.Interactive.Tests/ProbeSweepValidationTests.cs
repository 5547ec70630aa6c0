using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Tests;

/// <summary>One notebook for all the bad inputs: each fails with a clear message, and the kernel then runs the next cell.</summary>
public sealed class ProbeSweepValidationTests(ProbeSweepValidationTests.Notebook notebook) : IClassFixture<ProbeSweepValidationTests.Notebook>
{
    public sealed class Notebook : IAsyncLifetime
    {
        public CompositeKernel Kernel { get; private set; } = null!;
        public ProbeTestData Data { get; } = new();

        public async Task InitializeAsync()
        {
            Kernel = await KernelTestHost.CreateAsync();
            (await Kernel.SubmitAsync("var notAnActivationSet = 42;")).AssertSucceeded();
        }

        public Task DisposeAsync()
        {
            Kernel.Dispose();
            Data.Dispose();
            return Task.CompletedTask;
        }
    }

    string Files => $"--activations {notebook.Data.Activations} --labels {notebook.Data.Labels}";

    [Theory]
    [InlineData("--folds 1", "--folds must be from 2 to 1000 (got 1)")]
    [InlineData("--folds 200", "--folds 200: only 120 questions; use at most 120 folds")]
    [InlineData("--align middle", "--align must be one of start, end (got 'middle')")]
    [InlineData("--layers 5", "--layers 5 does not exist: the activation set has layers 0..2")]
    [InlineData("--layers 0,x", "--layers '0,x': 'x' is not a number or range")]
    [InlineData("--layers 3-1", "the range '3-1' runs backwards")]
    [InlineData("--positions 9", "--positions 9 does not exist here; columns are 0..5 (token indices from 0)")]
    [InlineData("--align end --positions 0", "--positions 0 does not exist here; columns are -6..-1 (offsets from the end, -1 = last token)")]
    [InlineData("--bins 3 --align end", "--bins and --align end do not combine")]
    [InlineData("--device quantum", "--device must be one of auto, cpu, cuda (got 'quantum')")]
    [InlineData("--out 2fast", "--out must be a C# variable name")]
    public async Task ProbeSweep_BadOption_FailsNamingTheOptionAndWhatIsAllowed_ThenTheKernelRunsTheNextCell(string options, string expected)
    {
        var device = options.Contains("--device") ? "" : " --device cpu";
        await AssertFailsThenRecovers($"#!probe-sweep {Files} {options}{device}", expected);
    }

    [Fact]
    public async Task ProbeSweep_WithoutActivations_SaysWhatToPass()
    {
        await AssertFailsThenRecovers("#!probe-sweep --folds 3", "--activations is required");
    }

    [Fact]
    public async Task ProbeSweep_UnknownVariable_NamesItAndSaysHowToCreateIt()
    {
        await AssertFailsThenRecovers("#!probe-sweep --activations nope --device cpu",
            "--activations nope: there is no C# variable named 'nope' yet. Run the command that creates it first (with --out nope). No file named 'nope' exists either. Create one with #!cot-synthetic --out acts");
    }

    [Fact]
    public async Task ProbeSweep_VariableOfTheWrongType_SaysWhatItHolds()
    {
        await AssertFailsThenRecovers("#!probe-sweep --activations notAnActivationSet --device cpu",
            "--activations notAnActivationSet: 'notAnActivationSet' has type Int32; --activations needs type ActivationSet.");
    }

    [Fact]
    public async Task ProbeSweep_MissingFile_NamesTheFile()
    {
        var missing = Path.Combine(notebook.Data.Folder, "missing.npy");
        await AssertFailsThenRecovers($"#!probe-sweep --activations {missing} --labels {notebook.Data.Labels} --device cpu",
            $"missing.npy: file not found");
    }

    [Fact]
    public async Task ProbeSweep_TruncatedFile_NamesTheFileAndWhatWasExpected()
    {
        var truncated = notebook.Data.Truncated();
        var failure = await AssertFailsThenRecovers($"#!probe-sweep --activations {truncated} --labels {notebook.Data.Labels} --device cpu", "truncated.npy:");
        Assert.Contains("the header says shape (120, 3, 6, 8)", failure); // what was expected
        Assert.DoesNotContain("LatentLab bug", failure);
    }

    [Fact]
    public async Task ProbeSweep_LabelCountMismatch_SaysHowManyWereExpected()
    {
        var labels = notebook.Data.WriteInts("short_labels.npy", notebook.Data.LabelValues[..100]);
        await AssertFailsThenRecovers($"#!probe-sweep --activations {notebook.Data.Activations} --labels {labels} --device cpu",
            "100 labels for 120 questions");
    }

    [Fact]
    public async Task ProbeSweep_SingleClassLabels_SaysAProbeNeedsTwoClasses()
    {
        var labels = notebook.Data.WriteInts("constant_labels.npy", new int[ProbeTestData.N]);
        await AssertFailsThenRecovers($"#!probe-sweep --activations {notebook.Data.Activations} --labels {labels} --device cpu",
            "a probe needs at least 2 classes");
    }

    [Fact]
    public async Task ProbeSweep_OnABoundSetWithOneClass_SaysAProbeNeedsTwoClasses_AndTheSetStaysBound()
    {
        // What an interrupted #!cot-synthetic or #!llm-cot binds when the partly trained model answered one letter throughout.
        (await notebook.Kernel.SubmitAsync("var oneAnswer = LatentLab.Activations.ActivationSet.FromArray(new float[6 * 2 * 3 * 4], 6, 2, 3, 4, new int[6]);")).AssertSucceeded();
        await AssertFailsThenRecovers("#!probe-sweep --activations oneAnswer --folds 2 --device cpu", "a probe needs at least 2 classes");
        Assert.Equal("6", (await notebook.Kernel.SubmitAsync("oneAnswer.Count.ToString()")).ReturnedText());
    }

    [Fact]
    public async Task ProbeSweep_LabelsWithAVariable_SaysTheyApplyOnlyToFiles()
    {
        (await notebook.Kernel.SubmitAsync($"var loaded = LatentLab.Activations.ActivationSet.Load(@\"{notebook.Data.Activations}\", labels: @\"{notebook.Data.Labels}\");")).AssertSucceeded();
        await AssertFailsThenRecovers($"#!probe-sweep --activations loaded --labels {notebook.Data.Labels} --device cpu",
            "--labels, --groups and --baseline apply only when --activations is a file");
    }

    async Task<string> AssertFailsThenRecovers(string code, string expected)
    {
        var result = await notebook.Kernel.SubmitAsync(code);
        var failure = result.Failure();
        Assert.True(failure is not null, $"expected CommandFailed for: {code}");
        Assert.Contains(expected, failure.Message);
        Assert.DoesNotContain("   at ", failure.Message); // no stack trace

        var next = await notebook.Kernel.SubmitAsync("$\"{1 + 1}\"");
        next.AssertSucceeded();
        Assert.Equal("2", next.ReturnedText());
        return failure.Message;
    }
}
