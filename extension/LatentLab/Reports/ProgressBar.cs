using System.Globalization;

namespace LatentLab.Reports;

/// <summary>The progress bar of every live panel: a filled bar in HTML (red once stopped), "[####......]" in text.</summary>
public static class ProgressBar
{
    /// <summary>A full-width bar filled to <paramref name="fraction"/> (0..1, clamped).</summary>
    public static string Html(double fraction, bool stopped = false)
    {
        var percent = Clamp(fraction) * 100;
        return $"<div class=\"latentlab-progress\" style=\"background:{Palette.Track};border-radius:4px;height:14px;width:100%;margin:4px 0\">" +
               $"<div style=\"background:{(stopped ? Palette.Red : Palette.Blue)};border-radius:4px;height:14px;" +
               $"width:{percent.ToString("0.#", CultureInfo.InvariantCulture)}%\"></div></div>";
    }

    /// <summary>"[#####...............]" with <paramref name="width"/> characters inside the brackets.</summary>
    public static string Text(double fraction, int width = 20)
    {
        int filled = (int)Math.Round(Clamp(fraction) * width);
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }

    static double Clamp(double fraction) => double.IsNaN(fraction) ? 0 : Math.Clamp(fraction, 0, 1);
}
