namespace LatentLab.Options;

/// <summary>
/// An options record with rules across knobs (e.g. "--time-input needs --architecture joint"). Write each rule once, here;
/// every front end (flags, <c>--options</c> records, C# calls, sweep files) reaches it through <see cref="OptionSchema"/>.
/// In a message, <c>{PropertyName}</c> stands for the knob: it is shown as its flag, and the properties are named at the end
/// (<c>--time-input needs --architecture joint ... [C#: BanditTrainingOptions.TimeInput, BanditTrainingOptions.Architecture]</c>),
/// so a notebook user and a C# user both know what to change.
/// </summary>
public interface IKnobRules
{
    /// <summary>One message per broken rule; empty when the combination is fine. Called only when every knob is in range.</summary>
    IEnumerable<string> BrokenRules();
}
