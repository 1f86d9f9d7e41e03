namespace NeuronGuard.Offline.Running;

/// <summary>
/// One request's captured slot values as the model server would stream them: a list of frames (first step,
/// steps), the prompt as one block and then one frame per decode step, over one packed (steps × slots) array.
/// </summary>
public sealed class CapturedRequest(int slots)
{
    private readonly List<float> _values = new();
    private readonly List<(int FirstStep, int Steps)> _frames = new();

    public int Slots { get; } = slots;

    public int Steps => Slots == 0 ? 0 : _values.Count / Slots;

    public IReadOnlyList<(int FirstStep, int Steps)> Frames => _frames;

    /// <summary>Every step's values, (steps × slots) row-major.</summary>
    public float[] Values() => _values.ToArray();

    internal void Add(int firstStep, int steps, ReadOnlySpan<float> values)
    {
        _frames.Add((firstStep, steps));
        foreach (float v in values)
        {
            _values.Add(v);
        }
    }
}
