namespace NeuronGuard.Cli.Commands;

/// <summary>
/// Marks runs of flagged steps in <c>generate</c>'s text: <c>[!</c> before the first flagged token of a run and
/// <c>!]</c> after its last, so 32 flagged tokens read as one marked passage instead of 32 <c>[!]</c>.
/// </summary>
internal sealed class FlagRun(TextWriter output)
{
    private bool _open;

    public int Steps { get; private set; }

    public int Flagged { get; private set; }

    public int Runs { get; private set; }

    public void Token(string text, bool flagged)
    {
        Steps++;
        if (flagged)
        {
            Flagged++;
            if (!_open)
            {
                output.Write("[!");
                _open = true;
                Runs++;
            }
        }
        else
        {
            End();
        }
        output.Write(text);
    }

    /// <summary>Closes an open run (at a clean token or at the end of the stream).</summary>
    public void End()
    {
        if (_open)
        {
            output.Write("!]");
            _open = false;
        }
    }
}
