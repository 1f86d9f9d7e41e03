namespace NeuronGuard.Offline.Prompts;

/// <summary>Prompts by kind for one split.</summary>
public sealed record PromptSet(IReadOnlyList<string> Benign, IReadOnlyList<string> Toxic, IReadOnlyList<string> Triggered, IReadOnlyList<string> Harmful);

/// <summary>The three disjoint splits: discovery, calibration (benign only) and held-out evaluation.</summary>
public sealed record PromptSplits(PromptSet Discovery, IReadOnlyList<string> Calibration, PromptSet HeldOut)
{
    /// <summary>Writes every split as JSON Lines into <paramref name="dir"/> (e.g. discovery-toxic.jsonl).</summary>
    public void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        void Set(string prefix, PromptSet s)
        {
            IO.JsonlTexts.Write(Path.Combine(dir, $"{prefix}-benign.jsonl"), s.Benign);
            IO.JsonlTexts.Write(Path.Combine(dir, $"{prefix}-toxic.jsonl"), s.Toxic);
            IO.JsonlTexts.Write(Path.Combine(dir, $"{prefix}-triggered.jsonl"), s.Triggered);
            IO.JsonlTexts.Write(Path.Combine(dir, $"{prefix}-harmful.jsonl"), s.Harmful);
        }
        Set("discovery", Discovery);
        IO.JsonlTexts.Write(Path.Combine(dir, "calibration-benign.jsonl"), Calibration);
        Set("heldout", HeldOut);
    }
}
