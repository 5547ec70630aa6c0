using LatentLab.Cli.Commands;

namespace LatentLab.Cli;

/// <summary>Every <c>latentlab</c> command; add a line here to add one.</summary>
public static class CliCommands
{
    /// <summary>The commands in help order.</summary>
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        BanditTrainCli.Command,
        BanditEvalCli.Command,
        CotSyntheticCli.Command,
        ProbeSweepCli.Command,
        RlBakeCli.Command,
        RlTrainCli.Command,
        PerturbCli.Command,
        FineTuneAttackCli.Command,
        LlmInfoCli.Command,
        LlmGenerateCli.Command,
        LlmCotCli.Command,
        SweepCli.Command,
    ];
}
