using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using LatentLab.Formats;
using LatentLab.Imitation;
using LatentLab.LanguageModels;
using LatentLab.Models;
using LatentLab.Reinforcement;
using LatentLab.Tests.LanguageModels;
using LatentLab.Tests.Probes;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Torch;

/// <summary>
/// Refusals suggest values found by solving the estimate itself (each value fits, one step more does not), the RL and
/// language-model entry points refuse sizes the machine cannot hold before allocating, and a CUDA run says the check is host-only.
/// </summary>
public class MemoryEstimateSolvingTests
{
    const long Available = 8_000_000_000;

    public MemoryEstimateSolvingTests() => TorchRuntime.EnsureInitialized();

    /// <summary>Every "--flag (about N or less fits here)" of the message: N fits in 80% of what is available and N + step does not.</summary>
    static void AssertEverySuggestionIsTheLargestThatFits(MemoryEstimate estimate, string message, double available = Available)
    {
        Assert.NotEmpty(estimate.Knobs);
        int checkedKnobs = 0;
        foreach (var knob in estimate.Knobs)
        {
            var m = Regex.Match(message, Regex.Escape(knob.Option) + @" \(about (\d+) or less fits here\)");
            if (!m.Success)
            {
                Assert.Contains($"{knob.Option} (alone it cannot make the run fit", message);
                Assert.True(knob.BytesAt(knob.Minimum) > 0.8 * available, $"{knob.Option}: the minimum fits but no value was suggested");
                continue;
            }
            double v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(knob.BytesAt(v) <= 0.8 * available, $"{knob.Option} {v} was suggested but needs {knob.BytesAt(v)} bytes");
            Assert.True(v + knob.Step > knob.Value || knob.BytesAt(v + knob.Step) > 0.8 * available, $"{knob.Option} {v} is not the largest value that fits");
            Assert.Equal(0, v % knob.Step);
            checkedKnobs++;
        }
        Assert.True(checkedKnobs > 0, message);
    }

    [Fact]
    public void BanditHidden_TheSuggestionSolvesTheQuadraticEstimate_NotALinearScaling()
    {
        var o = new BanditTrainingOptions { Hidden = 4096, Layers = 8, Batch = 16, TrainHorizon = 100 };
        var estimate = MemoryEstimates.BanditTraining(o);
        Assert.Equal("--hidden", estimate.Lower);

        var e = Assert.Throws<MemoryBudgetException>(() => MemoryBudget.Ensure(estimate, Available));

        AssertEverySuggestionIsTheLargestThatFits(estimate, e.Message);
        int hidden = int.Parse(Regex.Match(e.Message, @"--hidden \(about (\d+) or less").Groups[1].Value, CultureInfo.InvariantCulture);
        // Weights grow with hidden^2: scaling the current value linearly by the room would suggest a value that does not fit.
        double linear = Math.Floor(o.Hidden * (0.8 * Available - (estimate.Bytes - estimate.LargestBytes)) / estimate.LargestBytes);
        Assert.True(hidden > linear, $"the solved --hidden {hidden} should exceed the linear guess {linear} (weights grow with its square)");
    }

    [Fact]
    public void CotSyntheticWidth_IsSuggestedAsAMultipleOfHeads()
    {
        var o = new CotSyntheticOptions { Steps = 1, Questions = 100_000, Width = 512, Heads = 8, Layers = 4 };
        var estimate = MemoryEstimates.CotSynthetic(o);
        var e = Assert.Throws<MemoryBudgetException>(() => MemoryBudget.Ensure(estimate, Available));
        AssertEverySuggestionIsTheLargestThatFits(estimate, e.Message);
        var width = int.Parse(Regex.Match(e.Message, @"--width \(about (\d+) or less").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(0, width % 8);
    }

    [Fact]
    public void OnCuda_TheMessageSaysTheCheckIsAgainstHostMemoryOnly()
    {
        var huge = new MemoryEstimate(1e18, "a test allocation", "--batch", 100);
        var e = Assert.Throws<MemoryBudgetException>(() => MemoryBudget.Ensure(huge, TorchSharp.DeviceType.CUDA));
        Assert.Contains("checked against host memory only", e.Message);
        Assert.Contains("CUDA", e.Message);
        var cpu = Assert.Throws<MemoryBudgetException>(() => MemoryBudget.Ensure(huge, TorchSharp.DeviceType.CPU));
        Assert.DoesNotContain("host memory only", cpu.Message);
    }

    static AlignmentPolicy SmallReference(int seeds = 1)
    {
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        using var g = new TorchSharp.torch.Generator(3, CPU);
        return AlignmentPolicy.Create(env, new PolicyOptions { Width = 8 }, seeds, g);
    }

    [Fact]
    public void RlEntryPoints_RefuseSeedsTimesEpisodesTheMachineCannotHold_AtOnce()
    {
        var reference = SmallReference();
        var clock = Stopwatch.StartNew();
        var ppo = Assert.Throws<MemoryBudgetException>(() => Ppo.Train(reference, new PpoOptions { Seeds = 1024, Episodes = 65_536, Iterations = 10 }));
        var grpo = Assert.Throws<MemoryBudgetException>(() => Grpo.Train(reference, new GrpoOptions { Seeds = 1024, Prompts = 4096, GroupSize = 1024, Iterations = 10 }));
        var grid = Assert.Throws<MemoryBudgetException>(() => RlGrid.Run(reference, new PpoOptions { Seeds = 1024, Episodes = 65_536, Iterations = 10 },
            "kl", [0.1, 0.2], "concern-cost", [0.0]));
        var bake = Assert.Throws<MemoryBudgetException>(() => ReferenceBaker.Bake(reference.Environment,
            new BakeOptions { Seeds = 16, ContextsPerType = 100_000, Policy = new PolicyOptions { Width = 64, OutputGain = 1 } }));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"refusing took {clock.Elapsed}");   // generous: refusing allocates nothing
        foreach (var e in new[] { ppo, grpo, grid, bake })
        {
            Assert.Contains("available", e.Message);
            Assert.Contains("refused before allocating anything", e.Message);
        }
        Assert.Contains("Lower --seeds (about ", ppo.Message);
        Assert.Contains("--episodes (about ", ppo.Message);
        Assert.Contains("--group-size", grpo.Message);
        Assert.Contains("--contexts-per-type (about ", bake.Message);
        AssertEverySuggestionIsTheLargestThatFits(ppo.Estimate, ppo.Message, ppo.AvailableBytes);
        AssertEverySuggestionIsTheLargestThatFits(bake.Estimate, bake.Message, bake.AvailableBytes);
    }

    [Fact]
    public void RlTraining_GrowsWithSeedsEpisodesAndGridPoints()
    {
        var env = new AlignmentEnvironmentOptions();
        var policy = new PolicyOptions();
        double Bytes(PpoOptions o, int points = 1) => MemoryEstimates.RlTraining(o, env, policy, 1, points).Bytes;
        var d = new PpoOptions();
        Assert.InRange(Bytes(d), 1e5, 1e9);                                               // the defaults need little
        Assert.True(Bytes(d with { Seeds = 32 }) > Bytes(d));
        Assert.True(Bytes(d with { Episodes = 512 }) > Bytes(d));
        Assert.True(Bytes(d, 9) > Bytes(d));
        Assert.True(MemoryEstimates.RlTraining(new PpoOptions { Seeds = 1024, Episodes = 65_536 }, env, new PolicyOptions { Width = 1024, Depth = 8 }, 1024, 100).Bytes is > 1e12 and < double.PositiveInfinity);
    }

    [Fact]
    public void LlmGeneration_KvCacheIsLayersTimesKvHeadsTimesHeadDimTimesTokensTimesTwoTimesDtype()
    {
        var config = LanguageModelConfig.Load(LlmFixtures.Model("qwen3"));
        double tokens = 100 + 1000;
        double kv = config.Layers * (double)config.KvHeads * config.HeadDim * tokens * 2 * 4;
        var estimate = MemoryEstimates.LlmGeneration(config, 4, 100, 1000);
        Assert.InRange(estimate.Bytes, kv, kv * 3 + 100 * (config.VocabSize * 8.0 + 1e6));
        var recorded = MemoryEstimates.LlmGeneration(config, 4, 100, 1000, recordedLayers: config.Layers + 1);
        Assert.Equal((config.Layers + 1) * 1000.0 * config.HiddenSize * 4, recorded.Bytes - estimate.Bytes, 6);
        var bf16 = MemoryEstimates.LlmGeneration(config, 2, 100, 1000);
        Assert.True(bf16.Bytes < estimate.Bytes);
    }

    [Fact]
    public void LlmLoad_ACheckpointDeclaringMoreWeightsThanMemory_IsRefusedFromItsHeader_WithoutReadingIt()
    {
        // A sparse file: its header declares a 200 GB embedding; the file has that length but no data on disk.
        using var folder = new TempFolder();
        File.Copy(Path.Combine(LlmFixtures.Model("qwen3"), "config.json"), folder.File("config.json"));
        var path = folder.File("model.safetensors");
        var header = "{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[1000000,50000],\"data_offsets\":[0,200000000000]}}";
        header += new string(' ', (8 - header.Length % 8) % 8);
        using (var fs = new FileStream(path, FileMode.CreateNew))
        {
            fs.Write(BitConverter.GetBytes((long)header.Length));
            fs.Write(System.Text.Encoding.UTF8.GetBytes(header));
            fs.SetLength(8 + header.Length + 200_000_000_000L);
        }
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<MemoryBudgetException>(() => LanguageModel.Load(folder.Path, CPU));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}");
        Assert.Contains("50000000000 parameters", e.Message);
        Assert.Contains("--dtype bfloat16", e.Message);
        var bf16 = Assert.Throws<MemoryBudgetException>(() => LanguageModel.Load(folder.Path, CPU, ScalarType.BFloat16));
        Assert.Contains("x 2 bytes in the compute dtype", bf16.Message);
    }

    [Fact]
    public void DisposedLanguageModel_ThrowsObjectDisposedException_NamingItsFolderAndHowToReload()
    {
        var model = ChatFixture.Load();
        var tokenizer = model.Tokenizer!;
        model.Dispose();
        Assert.True(model.IsDisposed);
        using var ids = tensor(new long[] { 1, 2, 3 }).view(1, -1);
        var forward = Assert.Throws<DisposedObjectException>(() => model.Forward(ids));
        Assert.IsAssignableFrom<ObjectDisposedException>(forward);
        Assert.Contains("has been disposed", forward.Message);
        Assert.Contains($"LanguageModel.Load(\"{model.Folder}\")", forward.Message);
        Assert.Throws<DisposedObjectException>(() => model.GenerateGreedy(ids, 2));
        Assert.Throws<DisposedObjectException>(() => TextGenerator.Generate(model, tokenizer, [1, 2, 3], new GenerationOptions { MaxNewTokens = 2 }, null, false));
        model.Dispose();                                                                  // twice is harmless
    }
}
