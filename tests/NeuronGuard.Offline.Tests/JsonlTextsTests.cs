using NeuronGuard.Offline.IO;

namespace NeuronGuard.Offline.Tests;

public sealed class JsonlTextsTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();

    [Fact]
    public void Read_ObjectsStringsAndBlankLines_YieldsTextsInOrder()
    {
        File.WriteAllText(_path, "{\"text\": \"a b\", \"label\": 1}\n\n\"plain\"\n{\"text\":\"é\\n\"}\n");
        Assert.Equal(["a b", "plain", "é\n"], JsonlTexts.Read(_path));
        Assert.Equal(3, JsonlTexts.Count(_path));
    }

    [Fact]
    public void Read_LineWithoutText_NamesTheLine()
    {
        File.WriteAllText(_path, "\"ok\"\n{\"body\": \"x\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => JsonlTexts.Read(_path).ToList());
        Assert.Contains("line 2 has no \"text\" string", e.Message);
    }

    [Fact]
    public void Read_BrokenJson_NamesTheLine()
    {
        File.WriteAllText(_path, "{\"text\": \"x\"\n");
        var e = Assert.Throws<InvalidDataException>(() => JsonlTexts.Read(_path).ToList());
        Assert.Contains("line 1 is not JSON", e.Message);
    }

    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        string[] texts = [" the cat", "quote \" and \\ slash", "ünïcode"];
        JsonlTexts.Write(_path, texts);
        Assert.StartsWith("{\"text\":", File.ReadAllLines(_path)[0]);
        Assert.Equal(texts, JsonlTexts.Read(_path));
    }

    [Fact]
    public void Render_HalfwayAfterFiveSeconds_ShowsBarRateAndEta()
    {
        var line = new ProgressLine(null, "discover", 100);
        Assert.Equal("discover [##########..........] 50/100 texts  10.0/s  ETA 0:05  ", line.Render(50, 100, 5));
        Assert.Contains("ETA -", line.Render(100, 100, 5));
    }

    public void Dispose() => File.Delete(_path);
}
