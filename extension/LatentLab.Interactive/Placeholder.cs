namespace LatentLab.Interactive;
internal static class Placeholder { }
