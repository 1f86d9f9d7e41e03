namespace NeuronGuard.Engine.Scoring;

/// <summary>Result of feeding a frame; anything but <see cref="Ok"/> leaves the scorer's state unchanged.</summary>
public enum FrameStatus
{
    Ok,

    /// <summary>steps &lt; 1, or values.Length ≠ steps × slots.</summary>
    WrongLength,

    /// <summary>A value is NaN or ±∞.</summary>
    NonFinite,

    /// <summary>first_step is not the next expected step (a gap or a repeat).</summary>
    OutOfOrder,
}
