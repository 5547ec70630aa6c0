namespace LatentLab.Hosts.Tests.Pictures;

/// <summary>
/// How many pixels of a picture are close to one colour, and how far they spread (distinct rows and columns).
/// A drawn Plotly line covers hundreds of pixels over many rows and columns; an empty plot (axes and grid in
/// greys, white paper) has none of a trace colour.
/// </summary>
public sealed record ColoredPixels(int Count, int Rows, int Columns)
{
    /// <summary>Plotly's first two default trace colours: #1f77b4 (blue) and #ff7f0e (orange).</summary>
    public static readonly (byte R, byte G, byte B)[] PlotlyTraceColors = [(0x1f, 0x77, 0xb4), (0xff, 0x7f, 0x0e)];

    public static ColoredPixels Measure(PngImage image, (byte R, byte G, byte B) color, int tolerance = 40)
    {
        var count = 0;
        var rows = new HashSet<int>();
        var columns = new HashSet<int>();
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var (r, g, b) = image[x, y];
                if (Math.Abs(r - color.R) + Math.Abs(g - color.G) + Math.Abs(b - color.B) <= tolerance)
                {
                    count++;
                    rows.Add(y);
                    columns.Add(x);
                }
            }
        }

        return new ColoredPixels(count, rows.Count, columns.Count);
    }

    /// <summary>
    /// True when the pixels look like a line drawn across a plot, not a few icons or syntax-highlighted words.
    /// Measured on the getting-started page: its drawn chart gives about 1200 pixels over 750 columns; the same page
    /// with Plotly's drawing disabled about 200 pixels over 70 columns (code highlighting in similar blues).
    /// </summary>
    public bool LooksLikeADrawnTrace => Count >= 500 && Rows >= 50 && Columns >= 300;
}
