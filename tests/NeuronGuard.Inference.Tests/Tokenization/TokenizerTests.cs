using System.Text.Json;
using NeuronGuard.Inference.Tests.Infrastructure;
using NeuronGuard.Inference.Tokenization;

namespace NeuronGuard.Inference.Tests.Tokenization;

public sealed class TokenizerTests
{
    private static readonly Tokenizer Fixture = Tokenizer.Load(Path.Combine(TestModels.Planted, "tokenizer.json"));

    [Fact]
    public void Encode_FixtureWordsAfterSpace_AreSingleTokens()
    {
        var truth = FixtureTruth.Load(Path.Combine(TestModels.Planted, FixtureTruth.FileName));
        foreach (var (word, id) in truth.SpacedTokenIds)
        {
            Assert.Equal([id], Fixture.Encode(" " + word));
            Assert.Equal("Ġ" + word, Fixture.TokenString(id));
        }
    }

    [Fact]
    public void Encode_KnownText_GivesKnownIds()
    {
        // Ids 0–255 are bytes in order; the first word's chain is Ġt=256, Ġth=257, Ġthe=258, then Ġa=259.
        Assert.Equal([258, 259], Fixture.Encode(" the a"));
        Assert.Equal([(int)'!'], Fixture.Encode("!"));
        Assert.Equal([258, (int)'.'], Fixture.Encode(" the."));
    }

    [Theory]
    [InlineData("the cat sat on the mat")]
    [InlineData(" héllo wörld 🙂 — ünïcode")]
    [InlineData("line one\nline two\n\n\ttabbed   spaced  ")]
    [InlineData("It's 2024; we'll see 12345 things!")]
    public void Decode_EncodedText_RoundTrips(string text)
    {
        Assert.Equal(text, Fixture.Decode(Fixture.Encode(text)));
    }

    [Fact]
    public void Encode_SpecialToken_IsMatchedLiterallyAndIsEos()
    {
        var ids = Fixture.Encode(" the<|endoftext|> the");
        Assert.Equal([258, Fixture.EosId!.Value, 258], ids);
        Assert.True(Fixture.IsSpecial(Fixture.EosId!.Value));
        Assert.Equal(" the<|endoftext|> the", Fixture.Decode(ids));
        Assert.Equal(" the the", Fixture.Decode(ids, skipSpecial: true));
    }

    [Fact]
    public void Encode_Gpt2Regex_SplitsContractionsAndSpaces()
    {
        var split = PreTokenizers.Compile(PreTokenizers.Gpt2Pattern);
        var parts = split.Matches("I'm here  now").Select(m => m.Value).ToArray();
        Assert.Equal(["I", "'m", " here", " ", " now"], parts);
    }

    [Fact]
    public void Encode_Llama3StyleTokenizer_SplitsDigitsInThreesAndPrependsBos()
    {
        string path = Path.Combine(TestModels.NewDir("llama3-tok"), "tokenizer.json");
        WriteLlama3Style(path);
        var tok = Tokenizer.Load(path);
        // GPT-2's regex would keep "12345" whole and merge "3 4" first; Llama 3 splits "123" | "45".
        var ids = tok.Encode("12345");
        Assert.Equal(["123", "45"], ids.Select(tok.TokenString));
        Assert.Equal(tok.BosId, tok.Encode("1", addBos: true)[0]);
        Assert.Equal("<|begin_of_text|>", tok.TokenString(tok.BosId!.Value));
        Assert.Equal("12345", tok.Decode(ids));
    }

    private static void WriteLlama3Style(string path)
    {
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => ByteLevel.ByteToChar[b].ToString(), b => b);
        foreach (var t in new[] { "12", "123", "45", "34" })
        {
            vocab[t] = vocab.Count;
        }
        var doc = new
        {
            added_tokens = new[] { new { id = 300, content = "<|begin_of_text|>", special = true }, new { id = 301, content = "<|end_of_text|>", special = true } },
            pre_tokenizer = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = PreTokenizers.Llama3Pattern }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = false },
                },
            },
            post_processor = new
            {
                type = "TemplateProcessing",
                single = new object[] { new { SpecialToken = new { id = "<|begin_of_text|>", type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
            },
            model = new { type = "BPE", ignore_merges = true, vocab, merges = new[] { new[] { "3", "4" }, new[] { "1", "2" }, new[] { "12", "3" }, new[] { "4", "5" } } },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc));
    }
}
