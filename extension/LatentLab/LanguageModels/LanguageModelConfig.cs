using System.Text.Json;

namespace LatentLab.LanguageModels;

/// <summary>
/// What a decoder-only checkpoint's <c>config.json</c> says, reduced to the switches <see cref="LanguageModel"/> needs.
/// One record covers Qwen2, Qwen3, Llama 3.x, Gemma2 and Gemma3 (text); <see cref="Parse"/> fills the family defaults
/// that transformers' config classes use when a key is absent, and refuses options this implementation does not run.
/// </summary>
public sealed record LanguageModelConfig
{
    public required string ModelType { get; init; }       // "qwen2", "qwen3", "llama", "gemma2", "gemma3_text"
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }         // D
    public required int IntermediateSize { get; init; }   // MLP width
    public required int Layers { get; init; }             // L
    public required int Heads { get; init; }             // query heads H
    public required int KvHeads { get; init; }           // key/value heads (GQA: H is a multiple of it)
    public required int HeadDim { get; init; }           // hd (q_proj outputs H*hd, which may differ from D)
    public required double RmsNormEps { get; init; }
    public required bool GemmaNorm { get; init; }        // RMSNorm multiplies by (1 + w) instead of w
    public required bool GemmaBlock { get; init; }       // pre+post norms around attention and MLP, embedding x sqrt(D)
    public required bool QkNorm { get; init; }           // per-head RMSNorm on q and k before RoPE (Qwen3, Gemma3)
    public required bool AttentionBias { get; init; }    // q/k/v projections carry biases (Qwen2; Llama attention_bias)
    public required bool OutputBias { get; init; }       // o_proj carries a bias (Llama attention_bias)
    public required bool MlpBias { get; init; }          // gate/up/down carry biases (Llama mlp_bias)
    public required string Activation { get; init; }     // "silu" or "gelu_pytorch_tanh" (gated MLP either way)
    public required bool TiedEmbeddings { get; init; }   // logits = h @ embed_tokens^T (no lm_head.weight)
    public required double AttentionScale { get; init; } // multiplies q.k: head_dim^-0.5, Gemma query_pre_attn_scalar^-0.5
    public double? AttentionSoftcap { get; init; }       // Gemma2: scores = c * tanh(scores / c)
    public double? FinalSoftcap { get; init; }           // Gemma2: logits = c * tanh(logits / c)
    public int? SlidingWindow { get; init; }             // W: query i sees key j iff 0 <= i - j < W (on sliding layers)
    public required bool[] SlidingLayers { get; init; }  // per layer: does it use the window (and, Gemma3, the local RoPE)?
    public required RopeParameters Rope { get; init; }          // global layers
    public required RopeParameters LocalRope { get; init; }     // sliding layers (Gemma3: rope_local_base_freq; else = Rope)
    public required string TorchDtype { get; init; }     // as saved ("float32", "bfloat16", ...), for information
    public int? BosTokenId { get; init; }
    public int[] EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }
    /// <summary>Prefix of the language model's tensor names ("language_model." in multimodal Gemma 3 checkpoints).</summary>
    public string WeightPrefix { get; init; } = "";

    /// <summary>Reads <c>config.json</c> in <paramref name="folder"/>.</summary>
    public static LanguageModelConfig Load(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Model folder '{folder}' does not exist. Give the folder that holds config.json and model.safetensors (as downloaded from the Hugging Face hub).");
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{folder}' has no config.json. Give the folder of a Hugging Face checkpoint (config.json, model.safetensors or model.safetensors.index.json).", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the text of a config.json; <paramref name="source"/> names it in error messages.</summary>
    public static LanguageModelConfig Parse(string json, string source = "config.json")
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{source} is not valid JSON ({e.Message}).", e); }
        using (doc)
        {
            var c = doc.RootElement;
            if (c.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object.");
            var reader = new ConfigReader(c, source);
            string type = reader.String("model_type") ?? throw new InvalidDataException(
                $"{source} has no \"model_type\"; expected one of {Supported}.");
            return type switch
            {
                "qwen2" or "qwen3" or "llama" or "gemma2" or "gemma3_text" => Build(type, reader),
                "gemma3" => Multimodal(reader),
                _ => throw new NotSupportedException($"{source}: model_type '{type}' is not supported; expected one of {Supported}."),
            };
        }
    }

    const string Supported = "qwen2, qwen3, llama (Llama 3.x), gemma2, gemma3_text (and the text model inside gemma3)";

    // Gemma 3 4B and larger: vision + text. The text model's config sits in text_config (written as differences from
    // Gemma3TextConfig's defaults); its weights carry the prefix "language_model." in the checkpoint.
    static LanguageModelConfig Multimodal(ConfigReader r)
    {
        var text = r.Object("text_config") ?? throw new InvalidDataException(
            $"{r.Source}: model_type 'gemma3' (multimodal) needs a \"text_config\" object with the language model's settings.");
        string type = text.String("model_type") ?? "gemma3_text";
        if (type != "gemma3_text") throw new NotSupportedException($"{text.Source}: text model type '{type}' is not supported; expected gemma3_text.");
        var config = Build(type, text);
        return config with
        {
            WeightPrefix = "language_model.",
            EosTokenIds = config.EosTokenIds.Length > 0 ? config.EosTokenIds : r.IntOrIntArray("eos_token_id"),
            BosTokenId = config.BosTokenId ?? r.Int("bos_token_id"),
            PadTokenId = config.PadTokenId ?? r.Int("pad_token_id"),
        };
    }

    // Gemma3TextConfig's defaults (transformers 4.51), for keys a text_config leaves out.
    static int? Gemma3Default(string key) => key switch
    {
        "vocab_size" => 262_208,
        "hidden_size" => 2304,
        "intermediate_size" => 9216,
        "num_hidden_layers" => 26,
        "num_attention_heads" => 8,
        "num_key_value_heads" => 4,
        "head_dim" => 256,
        "query_pre_attn_scalar" => 256,
        "sliding_window" => 4096,
        "sliding_window_pattern" => 6,
        _ => null,
    };

    static LanguageModelConfig Build(string type, ConfigReader r)
    {
        bool gemma = type is "gemma2" or "gemma3_text";
        if (type == "gemma3_text") r = r.WithDefaults(Gemma3Default);
        int hidden = r.RequiredSize("hidden_size");
        int heads = r.RequiredSize("num_attention_heads");
        int kvHeads = r.Size("num_key_value_heads") ?? heads;
        if (heads % kvHeads != 0)
            throw new InvalidDataException($"{r.Source}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}.");
        int headDim = r.Size("head_dim") ?? hidden / heads;
        int layers = r.RequiredSize("num_hidden_layers");

        string act = r.String(gemma ? "hidden_activation" : "hidden_act") ?? r.String("hidden_act") ?? (gemma ? "gelu_pytorch_tanh" : "silu");
        if (act is not ("silu" or "gelu_pytorch_tanh"))
            throw new NotSupportedException($"{r.Source}: activation '{act}' is not supported; expected silu or gelu_pytorch_tanh.");

        if (r.Bool("use_sliding_window") == true && type is "qwen2" or "qwen3")
            throw new NotSupportedException($"{r.Source}: use_sliding_window true is not supported for {type} (every released Qwen2/Qwen3 checkpoint has it false).");
        if (r.Object("quantization_config") is { } q)
            throw new NotSupportedException($"{r.Source}: quantized checkpoints ({q.String("quant_method") ?? "quantization_config"}) are not supported; " +
                "use the unquantized (F32/F16/BF16) weights of the model.");
        if (r.Int("pretraining_tp") is > 1)
            throw new NotSupportedException($"{r.Source}: pretraining_tp > 1 is not supported; set it to 1 (it only changes how transformers splits the matrix products).");

        // Which layers slide. Newer transformers write layer_types; 4.51 derives them from the family rule.
        var sliding = new bool[layers];
        int? window = gemma ? r.Int("sliding_window") : null;
        if (r.Has("layer_types"))
        {
            var types = r.StringArray("layer_types");
            if (types.Length != layers) throw new InvalidDataException($"{r.Source}: layer_types has {types.Length} entries for {layers} layers.");
            for (int i = 0; i < layers; i++)
                sliding[i] = types[i] switch
                {
                    "sliding_attention" => true,
                    "full_attention" => false,
                    var t => throw new NotSupportedException($"{r.Source}: layer type '{t}' is not supported; expected sliding_attention or full_attention."),
                };
        }
        else if (type == "gemma2")
            for (int i = 0; i < layers; i++) sliding[i] = i % 2 == 0;
        else if (type == "gemma3_text")
        {
            int pattern = r.Size("sliding_window_pattern") ?? 6;
            for (int i = 0; i < layers; i++) sliding[i] = (i + 1) % pattern != 0;
        }
        if (sliding.Any(s => s) && window is null)
            throw new InvalidDataException($"{r.Source}: some layers use sliding-window attention but sliding_window is missing.");

        double theta = r.Double("rope_theta") ?? (type == "gemma3_text" ? 1_000_000.0 : 10000.0);
        var rope = RopeParameters.FromConfig(r, theta, headDim);
        var localRope = type == "gemma3_text" ? new RopeParameters { Theta = r.Double("rope_local_base_freq") ?? 10000.0, Dim = headDim } : rope;

        double scale = gemma ? Math.Pow(r.Double("query_pre_attn_scalar") ?? headDim, -0.5) : Math.Pow(headDim, -0.5);
        bool attnBias = type == "qwen2" || (r.Bool("attention_bias") ?? false);
        return new LanguageModelConfig
        {
            ModelType = type,
            VocabSize = r.RequiredSize("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = r.RequiredSize("intermediate_size"),
            Layers = layers,
            Heads = heads,
            KvHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = r.Double("rms_norm_eps") ?? 1e-6,
            GemmaNorm = gemma,
            GemmaBlock = gemma,
            QkNorm = type is "qwen3" or "gemma3_text",
            AttentionBias = attnBias,
            OutputBias = type != "qwen2" && (r.Bool("attention_bias") ?? false),
            MlpBias = type == "llama" && (r.Bool("mlp_bias") ?? false),
            Activation = act,
            TiedEmbeddings = r.Bool("tie_word_embeddings") ?? gemma,
            AttentionScale = scale,
            AttentionSoftcap = gemma ? r.Double("attn_logit_softcapping") : null,
            FinalSoftcap = gemma ? r.Double("final_logit_softcapping") : null,
            SlidingWindow = window,
            SlidingLayers = sliding,
            Rope = rope,
            LocalRope = localRope,
            TorchDtype = r.String("torch_dtype") ?? "float32",
            BosTokenId = r.Int("bos_token_id"),
            EosTokenIds = r.IntOrIntArray("eos_token_id"),
            PadTokenId = r.Int("pad_token_id"),
        };
    }
}
