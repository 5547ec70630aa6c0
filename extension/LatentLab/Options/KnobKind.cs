namespace LatentLab.Options;

/// <summary>What kind of value a knob holds, from its property type.</summary>
public enum KnobKind
{
    /// <summary>int or int? (also long).</summary>
    Integer,
    /// <summary>double or float.</summary>
    Number,
    /// <summary>bool: a switch (or an on/off pair when it defaults to true).</summary>
    Switch,
    /// <summary>An enum: one of its members, written in kebab case (PerArm -> per-arm).</summary>
    Choice,
    /// <summary>string.</summary>
    Text,
    /// <summary>IReadOnlyList&lt;int&gt;?: all (null), or numbers and ranges such as 0,2,5 or 0-3 or -5..-1.</summary>
    IntegerList,
    /// <summary>IReadOnlyList&lt;string&gt;?: a comma-separated list, each item one of the choices.</summary>
    TextList,
}
