using System.Text.Json;

namespace NeuronGuard.Offline.IO;

/// <summary>
/// Text datasets as JSON Lines: one object per line with a "text" string (other fields ignored), or a bare JSON
/// string. Read lazily so datasets larger than memory stream through discovery.
/// </summary>
public static class JsonlTexts
{
    public static IEnumerable<string> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"dataset '{path}' does not exist: give a .jsonl file with one {{\"text\": ...}} per line.", path);
        }
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            yield return Parse(line, path, lineNo);
        }
    }

    /// <summary>Counts non-blank lines (for progress totals) without parsing them.</summary>
    public static int Count(string path) => File.ReadLines(path).Count(l => !string.IsNullOrWhiteSpace(l));

    public static void Write(string path, IEnumerable<string> texts)
    {
        using var writer = new StreamWriter(path);
        foreach (var text in texts)
        {
            writer.WriteLine(JsonSerializer.Serialize(new TextLine(text), OfflineJsonContext.Default.TextLine));
        }
    }

    private static string Parse(string line, string path, int lineNo)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.String)
            {
                return root.GetString()!;
            }
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString()!;
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} line {lineNo} is not JSON ({e.Message}): write one {{\"text\": ...}} object per line.", e);
        }
        throw new InvalidDataException($"{path} line {lineNo} has no \"text\" string: write one {{\"text\": ...}} object per line.");
    }
}

/// <summary>One dataset line as written by <see cref="JsonlTexts.Write"/>.</summary>
public sealed record TextLine(string Text);
