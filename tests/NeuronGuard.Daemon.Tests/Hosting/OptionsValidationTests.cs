using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// Settings are validated at load by the source-generated <see cref="DaemonOptionsValidator"/>, every section included,
/// and command-line flags are the last configuration source (bound, not set by reflection).
/// </summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("Telemetry:MaxValuesPerMessage", "0", "MaxValuesPerMessage")]
    [InlineData("Telemetry:MaxRequestsPerStream", "-1", "MaxRequestsPerStream")]
    [InlineData("Metrics:MaxConnections", "0", "MaxConnections")]
    [InlineData("MaxReceiveMessageSize", "0", "MaxReceiveMessageSize")]
    [InlineData("IdleConnectionTimeoutSeconds", "0", "IdleConnectionTimeoutSeconds")]
    public void OutOfRange_OneLineNamingTheSetting(string key, string value, string named)
    {
        var ex = Assert.Throws<DaemonConfigurationException>(() => OptionsLoader.Load(null, new Dictionary<string, string?> { [key] = value }, _ => { }));
        Assert.StartsWith("Bad setting", ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Defaults_AreValid()
    {
        Assert.False(new DaemonOptionsValidator().Validate(null, new DaemonOptions()).Failed);
    }

    [Fact]
    public void Flags_OverrideSections_AndEmptyDisablesMetrics()
    {
        var options = OptionsLoader.Load(null, new Dictionary<string, string?>
        {
            ["Listen"] = "127.0.0.1:0",
            ["Metrics:Listen"] = "",
            ["Telemetry:FlagLogSize"] = "7",
            ["Model"] = null, // a flag not given changes nothing
        }, _ => { });
        Assert.Equal("127.0.0.1:0", options.Listen);
        Assert.Equal("", options.Metrics.Listen);
        Assert.Equal(7, options.Telemetry.FlagLogSize);
        Assert.Null(options.Model);
    }

    [Fact]
    public void NonNumericFlag_OneLine()
    {
        var ex = Assert.Throws<DaemonConfigurationException>(() => OptionsLoader.Load(null, new Dictionary<string, string?> { ["ShutdownTimeoutSeconds"] = "soon" }, _ => { }));
        Assert.Contains("'soon'", ex.Message);
    }
}
