namespace LatentLab.Torch;

/// <summary>
/// A LatentLab object (a student, an activation set, a model) was used after <c>Dispose()</c> freed its tensors. The message
/// says which object and how to get it back; an <see cref="ObjectDisposedException"/>, so C# code can catch it as one.
/// </summary>
public sealed class DisposedObjectException(string what, string howToRecreate)
    : ObjectDisposedException(null, $"{what} has been disposed (Dispose() or the end of a using block freed its tensors), so it cannot be used any more. " +
                                    $"{howToRecreate} Dispose it only when you are done with it.")
{
    /// <summary>The object, as the message names it (e.g. "this trained student").</summary>
    public string What { get; } = what;
}
