using System.Buffers.Binary;
using System.IO.Compression;

namespace LatentLab.Hosts.Tests.Pictures;

/// <summary>
/// A decoded PNG as 8-bit RGB. Handles what Chromium writes (8-bit grey, RGB, RGBA, palette; not interlaced),
/// so the tests need no image library.
/// </summary>
public sealed class PngImage
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    private readonly byte[] _rgb; // (Height, Width, 3)

    private PngImage(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        _rgb = rgb;
    }

    public int Width { get; }

    public int Height { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 3;
            return (_rgb[i], _rgb[i + 1], _rgb[i + 2]);
        }
    }

    public static PngImage Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8 || !bytes.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw new InvalidDataException($"{path} is not a PNG file (bad signature).");
        }

        int width = 0, height = 0, bitDepth = 0, colorType = 0, interlace = 0;
        byte[] palette = [];
        using var idat = new MemoryStream();
        for (var at = 8; at + 8 <= bytes.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(bytes, at + 4, 4);
            var data = bytes.AsSpan(at + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    bitDepth = data[8];
                    colorType = data[9];
                    interlace = data[12];
                    break;
                case "PLTE":
                    palette = data.ToArray();
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }

            at += 12 + length;
            if (type == "IEND")
            {
                break;
            }
        }

        var channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (width <= 0 || height <= 0 || bitDepth != 8 || channels == 0 || interlace != 0)
        {
            throw new NotSupportedException(
                $"{path}: only 8-bit, non-interlaced PNGs are supported (got {width}x{height}, depth {bitDepth}, colour type {colorType}, interlace {interlace}).");
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            z.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = width * channels;
        if (raw.Length < height * (stride + 1))
        {
            throw new InvalidDataException($"{path}: image data is cut short ({raw.Length} bytes for {width}x{height}).");
        }

        var rgb = new byte[width * height * 3];
        var previous = new byte[stride];
        var row = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var offset = y * (stride + 1);
            Unfilter(raw[offset], raw.AsSpan(offset + 1, stride), row, previous, channels);
            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 3;
                var p = x * channels;
                switch (colorType)
                {
                    case 0 or 4:
                        rgb[o] = rgb[o + 1] = rgb[o + 2] = row[p];
                        break;
                    case 3:
                        rgb[o] = palette[row[p] * 3];
                        rgb[o + 1] = palette[(row[p] * 3) + 1];
                        rgb[o + 2] = palette[(row[p] * 3) + 2];
                        break;
                    default:
                        rgb[o] = row[p];
                        rgb[o + 1] = row[p + 1];
                        rgb[o + 2] = row[p + 2];
                        break;
                }
            }

            (previous, row) = (row, previous);
        }

        return new PngImage(width, height, rgb);
    }

    private static void Unfilter(byte filter, ReadOnlySpan<byte> source, byte[] row, byte[] previous, int step)
    {
        for (var i = 0; i < source.Length; i++)
        {
            int left = i >= step ? row[i - step] : 0;
            int up = previous[i];
            int upLeft = i >= step ? previous[i - step] : 0;
            row[i] = filter switch
            {
                0 => source[i],
                1 => (byte)(source[i] + left),
                2 => (byte)(source[i] + up),
                3 => (byte)(source[i] + ((left + up) >> 1)),
                4 => (byte)(source[i] + Paeth(left, up, upLeft)),
                _ => throw new InvalidDataException($"Unknown PNG row filter {filter}."),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
