using System.Text.Json.Nodes;
using LatentLab.LanguageModels;
using LatentLab.Formats;
using LatentLab.Tests.Probes;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.LanguageModels;

/// <summary>Loading checkpoint folders: sharded and F16 weights load, and every broken folder gets a message naming the problem.</summary>
public class CheckpointFolderTests
{
    public CheckpointFolderTests() => TorchRuntime.EnsureInitialized();

    /// <summary>Copies a fixture's config.json into a fresh folder, optionally edited.</summary>
    static TempFolder ConfigOnly(string model, Action<JsonObject>? edit = null)
    {
        var folder = new TempFolder();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(LlmFixtures.Model(model), "config.json")))!.AsObject();
        edit?.Invoke(config);
        File.WriteAllText(folder.File("config.json"), config.ToJsonString());
        return folder;
    }

    /// <summary>The fixture's tensors: name, dtype, shape, bytes.</summary>
    static List<(string Name, ArrayDType DType, long[] Shape, byte[] Data)> Tensors(string model)
    {
        var path = Path.Combine(LlmFixtures.Model(model), "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        return SafetensorsFile.ReadHeader(path).Select(t => (t.Name, t.DType, t.Shape, bytes.AsSpan((int)t.Offset, (int)t.Bytes).ToArray())).ToList();
    }

    static Tensor Logits(string folder, string model)
    {
        using var lm = LanguageModel.Load(folder, CPU);
        using var output = lm.Forward(LlmFixtures.Npy(model, "long.input_ids.npy"), null);
        return output.Logits.clone();
    }

    [Fact]
    public void Sharded_WithIndex_LoadsTheSameModelAsOneFile()
    {
        using var scope = NewDisposeScope();
        using var folder = ConfigOnly("qwen2");
        var tensors = Tensors("qwen2");
        var first = tensors.Take(tensors.Count / 2).ToList();
        var second = tensors.Skip(tensors.Count / 2).ToList();
        SafetensorsFile.Write(folder.File("model-00001-of-00002.safetensors"), first);
        SafetensorsFile.Write(folder.File("model-00002-of-00002.safetensors"), second);
        var map = new JsonObject();
        foreach (var t in first) map[t.Name] = "model-00001-of-00002.safetensors";
        foreach (var t in second) map[t.Name] = "model-00002-of-00002.safetensors";
        File.WriteAllText(folder.File("model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());

        var sharded = Logits(folder.Path, "qwen2");
        var single = Logits(LlmFixtures.Model("qwen2"), "qwen2");
        Assert.True(sharded.eq(single).all().item<bool>(), "sharded and single-file checkpoints gave different logits");
    }

    [Fact]
    public void MultimodalGemma3Folder_RunsItsTextModel_ExactlyAsTheTextOnlyCheckpoint()
    {
        // Gemma 3 4B+ ship as model_type "gemma3": the text settings in text_config, the text weights under "language_model.".
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var text = JsonNode.Parse(File.ReadAllText(Path.Combine(LlmFixtures.Model("gemma3"), "config.json")))!.AsObject();
        text.Remove("eos_token_id");
        var config = new JsonObject { ["model_type"] = "gemma3", ["architectures"] = new JsonArray("Gemma3ForConditionalGeneration"), ["eos_token_id"] = new JsonArray(1, 106), ["text_config"] = text };
        File.WriteAllText(folder.File("config.json"), config.ToJsonString());
        var tensors = Tensors("gemma3").Select(t => ("language_model." + t.Name, t.DType, t.Shape, t.Data)).ToList();
        tensors.Add(("vision_tower.vision_model.embeddings.patch_embedding.bias", ArrayDType.Float32, [4], new byte[16]));
        SafetensorsFile.Write(folder.File("model.safetensors"), tensors);

        Assert.Equal(new[] { 1, 106 }, LanguageModelConfig.Load(folder.Path).EosTokenIds);
        var multimodal = Logits(folder.Path, "gemma3");
        var textOnly = Logits(LlmFixtures.Model("gemma3"), "gemma3");
        Assert.True(multimodal.eq(textOnly).all().item<bool>(), "the text model inside a gemma3 folder gave other logits");
    }

    [Fact]
    public void MultimodalGemma3Config_FillsGemma3TextDefaults_AsGemma3_4BNeedsThem()
    {
        // google/gemma-3-4b-it's config.json gives only these text_config keys; the rest are Gemma3TextConfig defaults
        // (8 query heads, 4 KV heads, head_dim 256, query_pre_attn_scalar 256, vocab 262208, every 6th layer global).
        var c = LanguageModelConfig.Parse("""
            {"model_type": "gemma3", "eos_token_id": [1, 106],
             "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text", "num_hidden_layers": 34,
                             "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024}}
            """);
        Assert.Equal((2560, 10240, 34, 8, 4, 256, 262208), (c.HiddenSize, c.IntermediateSize, c.Layers, c.Heads, c.KvHeads, c.HeadDim, c.VocabSize));
        Assert.Equal(Math.Pow(256, -0.5), c.AttentionScale, 12);
        Assert.Equal(1024, c.SlidingWindow);
        Assert.Equal(Enumerable.Range(0, 34).Select(i => (i + 1) % 6 != 0), c.SlidingLayers);
        Assert.Equal(("linear", 8.0, 1_000_000.0, 10_000.0), (c.Rope.Type, c.Rope.Factor, c.Rope.Theta, c.LocalRope.Theta));
        Assert.True(c.TiedEmbeddings && c.QkNorm && c.GemmaNorm);
        Assert.Equal("language_model.", c.WeightPrefix);
    }

    [Fact]
    public void Float16Weights_LoadAndAgreeWithFloat32ToHalfPrecision()
    {
        using var scope = NewDisposeScope();
        using var folder = ConfigOnly("llama3");
        var half = Tensors("llama3").Select(t =>
        {
            var f = tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.Data).ToArray(), t.Shape).to(float16);
            return (t.Name, ArrayDType.Float16, t.Shape, f.bytes.ToArray());
        });
        SafetensorsFile.Write(folder.File("model.safetensors"), half);
        var fromHalf = Logits(folder.Path, "llama3");
        var fromFloat = Logits(LlmFixtures.Model("llama3"), "llama3");
        double maxAbs = (fromHalf - fromFloat).abs().max().item<float>();
        Assert.InRange(maxAbs, 1e-6, 0.05); // moved by the F16 rounding of the weights, but only by that
        Assert.True(fromHalf.argmax(-1).eq(fromFloat.argmax(-1)).all().item<bool>(), "F16 weights changed the top token");
    }

    [Fact]
    public void MissingFolder_NoConfig_NoWeights_AreNamed()
    {
        var missing = Path.Combine(Path.GetTempPath(), "latentlab-no-such-model-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => LanguageModel.Load(missing, CPU)).Message);
        using var empty = new TempFolder();
        Assert.Contains("no config.json", Assert.Throws<FileNotFoundException>(() => LanguageModel.Load(empty.Path, CPU)).Message);
        using var configOnly = ConfigOnly("qwen3");
        Assert.Contains("neither model.safetensors nor model.safetensors.index.json",
            Assert.Throws<FileNotFoundException>(() => LanguageModel.Load(configOnly.Path, CPU)).Message);
    }

    [Theory]
    [InlineData("model_type", "mistral", "model_type 'mistral' is not supported")]
    [InlineData("hidden_act", "relu", "activation 'relu' is not supported")]
    public void UnsupportedArchitectureOrOption_IsNamed(string key, string value, string expected)
    {
        using var folder = ConfigOnly("qwen3", c => c[key] = value);
        var e = Assert.Throws<NotSupportedException>(() => LanguageModel.Load(folder.Path, CPU));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void UnsupportedRopeScaling_IsNamed()
    {
        using var folder = ConfigOnly("llama3", c => c["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 });
        Assert.Contains("rope_type 'yarn' is not supported", Assert.Throws<NotSupportedException>(() => LanguageModel.Load(folder.Path, CPU)).Message);
    }

    [Fact]
    public void QuantizedCheckpoint_IsNamed()
    {
        using var folder = ConfigOnly("qwen3", c => c["quantization_config"] = new JsonObject { ["quant_method"] = "awq", ["bits"] = 4 });
        Assert.Contains("quantized checkpoints (awq)", Assert.Throws<NotSupportedException>(() => LanguageModel.Load(folder.Path, CPU)).Message);
    }

    [Fact]
    public void MissingShard_IsNamed()
    {
        using var folder = ConfigOnly("qwen2");
        var tensors = Tensors("qwen2");
        SafetensorsFile.Write(folder.File("model-00001-of-00002.safetensors"), tensors.Take(3));
        var map = new JsonObject();
        foreach (var (t, i) in tensors.Select((t, i) => (t, i))) map[t.Name] = i < 3 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        File.WriteAllText(folder.File("model.safetensors.index.json"), new JsonObject { ["weight_map"] = map }.ToJsonString());
        var e = Assert.Throws<FileNotFoundException>(() => LanguageModel.Load(folder.Path, CPU));
        Assert.Contains("Shard 'model-00002-of-00002.safetensors'", e.Message);
    }

    [Fact]
    public void TruncatedWeights_AreNamed()
    {
        using var folder = ConfigOnly("qwen3");
        var bytes = File.ReadAllBytes(Path.Combine(LlmFixtures.Model("qwen3"), "model.safetensors"));
        File.WriteAllBytes(folder.File("model.safetensors"), bytes.AsSpan(0, bytes.Length - 1000).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => LanguageModel.Load(folder.Path, CPU));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ConfigThatDoesNotMatchTheWeights_IsNamed()
    {
        using var scope = NewDisposeScope();
        using var wrongWidth = ConfigOnly("qwen3", c => c["intermediate_size"] = 256);
        SafetensorsFile.Write(wrongWidth.File("model.safetensors"), Tensors("qwen3"));
        Assert.Contains("config.json implies", Assert.Throws<InvalidDataException>(() => LanguageModel.Load(wrongWidth.Path, CPU)).Message);

        using var untied = ConfigOnly("qwen3", c => c["tie_word_embeddings"] = false);
        SafetensorsFile.Write(untied.File("model.safetensors"), Tensors("qwen3"));
        Assert.Contains("no lm_head.weight", Assert.Throws<InvalidDataException>(() => LanguageModel.Load(untied.Path, CPU)).Message);
    }

    [Fact]
    public void BadArguments_AreNamed()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("bfloat16", Assert.Throws<ArgumentException>(() => LanguageModel.Load(LlmFixtures.Model("qwen3"), CPU, ScalarType.Float64)).Message);
        using var lm = LanguageModel.Load(LlmFixtures.Model("qwen3"), CPU);
        Assert.Contains("vocab_size", Assert.Throws<ArgumentException>(() => lm.Forward(tensor(new long[] { 1, 512 }).view(1, 2), null)).Message);
        Assert.Contains("(batch, tokens)", Assert.Throws<ArgumentException>(() => lm.Forward(tensor(new long[] { 1, 2 }), null)).Message);
        Assert.Contains("attentionMask", Assert.Throws<ArgumentException>(() => lm.Forward(ones(1, 3, dtype: int64), ones(1, 2, dtype: int64))).Message);
    }
}
