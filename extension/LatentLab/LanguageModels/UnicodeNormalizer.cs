using System.Text;
using Microsoft.ML.Tokenizers;

namespace LatentLab.LanguageModels;

/// <summary>Unicode normalization (NFC for Qwen) as a Microsoft.ML.Tokenizers normalizer, which ships none.</summary>
public sealed class UnicodeNormalizer(NormalizationForm form) : Normalizer
{
    public override string Normalize(string original) => original.Normalize(form);

    public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(form);
}
