namespace LatentLab.Torch;
internal static class Placeholder { }
