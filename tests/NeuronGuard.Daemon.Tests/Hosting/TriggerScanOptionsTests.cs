using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Engine.Detectors;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// The daemon's TriggerScan section (signal and m of the trigger scan) binds from flags like every other section, is
/// what its plans score with, and a bad value stops the daemon with one line naming the setting.
/// </summary>
public sealed class TriggerScanOptionsTests
{
    [Fact]
    public void Binds_AndReachesTheDetectorOptions()
    {
        var options = OptionsLoader.Load(null, new Dictionary<string, string?> { ["TriggerScan:Signal"] = "level", ["TriggerScan:TopM"] = "4" }, _ => { });
        var detectors = options.TriggerScan.ToDetectorOptions();
        Assert.Equal(TriggerScanSignal.Level, detectors.TriggerScanSignal);
        Assert.Equal(4, detectors.TriggerScanTopM);
    }

    [Fact]
    public void Defaults_AreTheEngines()
    {
        var detectors = new DaemonOptions().TriggerScan.ToDetectorOptions();
        Assert.Equal(new DetectorOptions().TriggerScanSignal, detectors.TriggerScanSignal);
        Assert.Equal(new DetectorOptions().TriggerScanTopM, detectors.TriggerScanTopM);
    }

    [Theory]
    [InlineData("TriggerScan:TopM", "0", "TopM")]
    [InlineData("TriggerScan:Signal", "loudness", "loudness")]
    [InlineData("TriggerScan:Signal", "7", "Signal")]
    public void BadValue_OneLineNamingIt(string key, string value, string named)
    {
        var ex = Assert.Throws<DaemonConfigurationException>(() => OptionsLoader.Load(null, new Dictionary<string, string?> { [key] = value }, _ => { }));
        Assert.StartsWith("Bad setting", ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
