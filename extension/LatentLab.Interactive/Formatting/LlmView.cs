using System.Text;
using LatentLab.LanguageModels;
using LatentLab.Reports;
using LatentLab.Statistics;
using static LatentLab.Reports.ReportFormat;

namespace LatentLab.Interactive.Formatting;

/// <summary>What the <c>#!llm-*</c> commands show: the model card, a reply, a recording's card and a chain token by token.</summary>
public static class LlmView
{
    public static HtmlFragment Card(LanguageModel model, TimeSpan loadTime)
    {
        var c = model.Config;
        var tok = model.Tokenizer;
        var card = new Card($"Language model: {c.ModelType}")
            .Row("folder", model.Folder)
            .Row("architecture", $"{c.Layers} layers, width {c.HiddenSize}, {c.Heads} query heads / {c.KvHeads} key-value heads of {c.HeadDim}, MLP {c.IntermediateSize}, " +
                                 $"vocabulary {c.VocabSize}{(c.TiedEmbeddings ? ", tied output head" : "")}{(c.SlidingWindow is { } w ? $", sliding window {w}" : "")}")
            .Row("parameters", $"{model.ParameterCount / 1e6:0.0} M ({Number(model.ParameterCount)})")
            .Row("dtype, device", $"{model.DType.ToString().ToLowerInvariant()} (saved as {c.TorchDtype}), {model.Device}")
            .Row("memory", $"weights {model.WeightBytes / 1048576.0:0.0} MiB; process {Environment.WorkingSet / 1048576.0:0} MiB resident; loaded in {Duration(loadTime)}")
            .Row("tokenizer", tok is null ? "none (the folder has no tokenizer.json: give --tokenizer)"
                : $"{tok.VocabSize} tokens, chat template {(tok.Chat?.Family ?? "none")}, eos {tok.EosToken ?? "(none)"}")
            .Row("residual stream", $"{c.Layers + 1} recordable layers: 0 = embedding, i = after block i")
            .Note("Next: #!llm-generate --prompt \"...\"  or  #!llm-cot --questions FILE --out acts",
                  "Next: <code>#!llm-generate --prompt \"...\"</code> or <code>#!llm-cot --questions FILE --out acts</code>");
        return HtmlFragment.From(card.Render());
    }

    public static HtmlFragment Reply(GenerationResult r)
    {
        var stop = Options.Knob.Kebab(r.StopReason.ToString());
        var text = $"{r.Text}\n[{r.Tokens.Count} tokens, {Number(r.TokensPerSecond, "0.0")} tokens/s, stopped: {stop}]";
        var html = $"<div class=\"latentlab-reply\"><pre style=\"white-space:pre-wrap\">{Escape(r.Text)}</pre>" +
                   $"<div style=\"color:#666\">{r.Tokens.Count} tokens, {Number(r.TokensPerSecond, "0.0")} tokens/s, stopped: {Escape(stop)}</div></div>";
        return new HtmlFragment(html, text);
    }

    public static HtmlFragment Recording(CotRecording r)
    {
        var (lo, hi) = WilsonInterval.Compute(r.Correct, Math.Max(r.Labelled, 1));
        var set = r.Activations;
        var card = new Card("Chain-of-thought recording")
            .Flag(r.Interrupted ? $"INTERRUPTED after {r.Done} of {r.Total} questions: run the same command again to resume" : null)
            .Row("questions", $"{r.Done} of {r.Total} done ({r.Resumed} resumed from the folder); {r.Unstated} chains stated no answer; mean chain {Number(r.MeanLength, "0.0")} tokens")
            .Row("answers", r.Labelled == 0 ? Missing
                : $"{Number((double)r.Correct / r.Labelled, "0.000")} correct [95% CI {Number(lo, "0.000")}, {Number(hi, "0.000")}] ({r.Correct} of {r.Labelled} labelled)")
            .Row("activation set", set is null ? $"not formed: {r.Note}"
                : $"N={set.Count} x L={set.Layers} layers x P={set.Positions} positions (from the chain's first token; lengths beside) x D={set.Dim}; {set.ClassCount} answer classes; baseline = answer-letter log-probs")
            .Row("folder", r.Folder);
        if (set?.SingleClassNote is { } single) card.Note($"Note: {single}", $"Note: {ReportFormat.Escape(single)}");
        else card.Note("Next: #!probe-sweep --activations <variable> --align end (chains lined up at their last token)",
                       "Next: <code>#!probe-sweep --activations &lt;variable&gt; --align end</code> (chains lined up at their last token)");
        var parts = card.Render();
        var first = r.Records.FirstOrDefault();
        return first is null ? HtmlFragment.From(parts) : new HtmlFragment(parts.Html + Chain(first).Html, parts.Text);
    }

    /// <summary>A chain token by token, each shaded by the probability of the chain's final label letter as the next token (hover: every letter).</summary>
    public static HtmlFragment Chain(CotRecord r)
    {
        int letter = r.Label ?? r.Gold;
        var html = new StringBuilder($"<div class=\"latentlab-chain\" style=\"font-family:monospace;line-height:1.8\"><div>question {r.Index} (line {r.Line}): " +
                                     $"gold {CotQuestion.Letter(r.Gold)}, stated {(r.Stated is { } s ? CotQuestion.Letter(s) : "none")}; shade = P({CotQuestion.Letter(letter)} next)</div>");
        var text = new StringBuilder();
        for (int t = 0; t < r.TokenTexts.Length; t++)
        {
            var lp = r.LetterLogProbs[t];
            double p = Math.Exp(lp[letter]);
            var tip = string.Join(", ", lp.Select((x, c) => $"P({CotQuestion.Letter(c)}) = {Math.Exp(x):0.000}"));
            html.Append($"<span title=\"{Escape(tip)}\" style=\"background:rgba(31,119,180,{Math.Clamp(p, 0, 1):0.00});padding:1px\">{Escape(r.TokenTexts[t])}</span>");
            text.Append($"{r.TokenTexts[t]}[{p:0.00}]");
        }
        return new HtmlFragment(html.Append("</div>").ToString(), text.ToString());
    }
}
