using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Console.Tests;

/// <summary>Console:Enabled is bound and checked like every other daemon setting (OptionsLoader).</summary>
public sealed class ConsoleOptionsTests
{
    [Fact]
    public void Default_ConsoleIsOn() => Assert.True(OptionsLoader.Load(null, new Dictionary<string, string?>()).Console.Enabled);

    [Fact]
    public void Override_False_TurnsItOff() =>
        Assert.False(OptionsLoader.Load(null, new Dictionary<string, string?> { ["Console:Enabled"] = "false" }).Console.Enabled);

    [Fact]
    public void NotABoolean_IsOneLineConfigurationError()
    {
        var e = Assert.Throws<DaemonConfigurationException>(() => OptionsLoader.Load(null, new Dictionary<string, string?> { ["Console:Enabled"] = "maybe" }));
        Assert.Contains("Console:Enabled", e.Message);
    }

    [Fact]
    public void Misspelt_IsWarnedWithTheKnownKey()
    {
        string file = Path.Combine(Path.GetTempPath(), $"ng-console-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "NeuronGuard": { "Console": { "Enabeld": false } } }""");
        var warnings = new List<string>();
        try
        {
            OptionsLoader.Load(file, warn: warnings.Add);
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Contains(warnings, w => w.Contains("Console:Enabeld") && w.Contains("Console:Enabled"));
    }
}
