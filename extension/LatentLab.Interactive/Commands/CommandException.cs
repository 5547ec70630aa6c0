namespace LatentLab.Interactive.Commands;

/// <summary>A problem the user can fix (bad option combination, missing variable); its message is shown as is.</summary>
public sealed class CommandException : Exception
{
    public CommandException(string message, Exception? inner = null) : base(message, inner) { }
}
