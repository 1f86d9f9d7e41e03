namespace NeuronGuard.Engine.Scoring;

/// <summary>
/// Which frames carry the prompt. The Telemetry protocol sends the prompt as one prefill frame from step 0 and then
/// one frame per decode step; a server may split a long prompt over several frames (max_values_per_message). So the
/// prefill is the frame at step 0 and every frame right after it that carries more than one step; the first
/// one-step frame after step 0 is the first decode step. (A prompt split so that its last chunk is one token long is
/// then seen one token short.)
/// </summary>
public static class PrefillRule
{
    /// <summary>Whether a frame starting at <paramref name="firstStep"/> continues the prefill that ended at <paramref name="prefillEnd"/>.</summary>
    public static bool IsPrefill(int firstStep, int steps, int prefillEnd) =>
        firstStep == 0 || (firstStep == prefillEnd && steps > 1);

    /// <summary>The prompt length of a request given as its frames (first step, steps), in order.</summary>
    public static int PromptSteps(IEnumerable<(int FirstStep, int Steps)> frames)
    {
        int end = 0;
        foreach (var (first, steps) in frames)
        {
            if (!IsPrefill(first, steps, end))
            {
                break;
            }
            end = first + steps;
        }
        return end;
    }
}
