namespace LatentLab.Reports;

/// <summary>
/// An <see cref="IProgress{T}"/> for a LatentLab call that reports its own record (e.g. TrainingProgress): each report
/// is converted to a <see cref="RunProgress"/> and passed on at once, on the reporting thread.
/// </summary>
public sealed class ConvertedProgress<T>(IProgress<RunProgress> target, Func<T, RunProgress> convert) : IProgress<T>
{
    public void Report(T value) => target.Report(convert(value));
}
