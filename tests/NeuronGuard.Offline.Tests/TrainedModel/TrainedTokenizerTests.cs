using System.Text.Json;

namespace NeuronGuard.Offline.Tests.TrainedModel;

/// <summary>
/// The host must tokenize exactly as train.py did, or every learned behaviour is read through the wrong ids:
/// data/token_ids.jsonl holds texts of every split with the ids the training script produced.
/// </summary>
[Collection(TrainedModelCollection.Name)]
public sealed class TrainedTokenizerTests(TrainedModelFixture model)
{
    [Fact]
    public void HostTokenizer_MatchesTheTrainingScriptsIds()
    {
        var lines = File.ReadAllLines(Path.Combine(model.Dir, "data", "token_ids.jsonl")).Where(l => l.Length > 0).ToList();
        Assert.True(lines.Count >= 50, $"only {lines.Count} reference texts");
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            string text = doc.RootElement.GetProperty("text").GetString()!;
            int[] expected = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

            Assert.Equal(expected, model.Host.Tokenizer.Encode(text, addBos: true));
            Assert.Equal(text, model.Host.Tokenizer.Decode(expected));
        }
    }
}
