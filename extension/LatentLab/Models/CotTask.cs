namespace LatentLab.Models;

/// <summary>
/// The synthetic multiple-choice chain-of-thought task. A question is a token sequence
///   BOS  c_1 ... c_P  ANS  letter
/// Before the decision point m (uniform in [DecisionStart, DecisionEnd] of the chain) the chain holds filler and
/// uninformative evidence (evidence for a random option). At m a deciding token names the answer a ("so it is a").
/// After m, each token restates a with probability EvidenceRate, otherwise filler. After ANS the model must emit the
/// letter of a. Anywhere in the chain except at m, a token may name a random option letter ("consider B") with
/// probability LetterMentionRate, independent of a: this trains the answer-letter logits inside the chain to carry no
/// answer information (as in real chains of thought, where the letters' logits mid-chain predict text, not the answer).
/// So the answer is undetermined before m and fixed from m on; a model that predicts the chain's next
/// tokens (which depend on a after m) has reason to carry a in its residual stream from m to the end, while the
/// answer-letter logits only matter at ANS.
/// Vocabulary: BOS, ANS, letters (K), deciding tokens (K), evidence tokens (K), filler tokens (Filler).
/// </summary>
public sealed class CotTask
{
    public const int Bos = 0, Ans = 1, Filler = 12;
    public int Choices { get; }
    public int ChainLength { get; }
    public int Vocab => 2 + 3 * Choices + Filler;
    /// <summary>Tokens per question: BOS + chain + ANS + letter.</summary>
    public int Tokens => ChainLength + 3;
    public int Letter(int k) => 2 + k;
    public int Decide(int k) => 2 + Choices + k;
    public int Evidence(int k) => 2 + 2 * Choices + k;
    public int FillerToken(int j) => 2 + 3 * Choices + j;
    readonly CotSyntheticOptions _o;

    public CotTask(CotSyntheticOptions o)
    {
        _o = o;
        Choices = o.Choices;
        ChainLength = o.ChainLength;
    }

    /// <summary>
    /// A batch: tokens (B x Tokens, row-major), answers (B), and decision positions (B) as indices into the token
    /// sequence (BOS = 0, first chain token = 1).
    /// </summary>
    public (long[] Tokens, int[] Answers, int[] Decisions) Sample(int batch, Random rng)
    {
        int t = Tokens;
        var tokens = new long[batch * t];
        var answers = new int[batch];
        var decisions = new int[batch];
        int lo = (int)Math.Floor(_o.DecisionStart * (ChainLength - 1)), hi = (int)Math.Floor(_o.DecisionEnd * (ChainLength - 1));
        for (int b = 0; b < batch; b++)
        {
            int a = rng.Next(Choices);
            int m = rng.Next(lo, hi + 1); // chain index 0..P-1 of the deciding token
            answers[b] = a;
            decisions[b] = m + 1;
            int o = b * t;
            tokens[o] = Bos;
            for (int c = 0; c < ChainLength; c++)
            {
                int tok;
                if (c != m && rng.NextDouble() < _o.LetterMentionRate) tok = Letter(rng.Next(Choices)); // an option named at random
                else if (c < m) tok = rng.NextDouble() < _o.EvidenceRate ? Evidence(rng.Next(Choices)) : FillerToken(rng.Next(Filler));
                else if (c == m) tok = Decide(a);
                else tok = rng.NextDouble() < _o.EvidenceRate ? Evidence(a) : FillerToken(rng.Next(Filler));
                tokens[o + 1 + c] = tok;
            }
            tokens[o + t - 2] = Ans;
            tokens[o + t - 1] = Letter(a);
        }
        return (tokens, answers, decisions);
    }
}
