using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer.Embedded;

namespace NeuronGuard.Daemon.Tests.BuiltinHost;

/// <summary>
/// AddBuiltinModelHost binds its own options from the daemon's section (the keys users' configs and --model already
/// use) and checks them when the host starts, worded by the same one-line start-up error as the daemon's settings.
/// </summary>
public sealed class BuiltinModelHostOptionsTests
{
    [Fact]
    public void Bound_FromTheDaemonSection_SameKeysAsDaemonOptions()
    {
        using var provider = Build(new() { ["NeuronGuard:Model"] = "none", ["NeuronGuard:BuiltinHostToken"] = "ingest-1", ["NeuronGuard:DataDir"] = "/var/lib/ng" });
        var options = provider.GetRequiredService<IOptions<BuiltinModelHostOptions>>().Value;
        Assert.Equal("none", options.Model);
        Assert.False(options.Enabled);
        Assert.Equal("ingest-1", options.BuiltinHostToken);
        Assert.Equal("/var/lib/ng", options.DataDir);
        // The same keys are DaemonOptions' config surface: no "did you mean" warning for them.
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NeuronGuard:Model"] = "none", ["NeuronGuard:BuiltinHostToken"] = "ingest-1",
        }).Build();
        Assert.Empty(OptionsLoader.UnknownKeys(config.GetSection(DaemonOptions.Section)));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("fixture", true)]
    [InlineData("FIXTURE", true)]
    [InlineData("/models/gpt2", false)]
    public void ModelUnsetOrFixture_ServesThePlantedFixture(string? model, bool fixture)
    {
        var options = new BuiltinModelHostOptions { Model = model };
        Assert.True(options.Enabled);
        Assert.Equal(fixture, options.IsFixture);
    }

    [Fact]
    public void MissingModelFolder_FailsTheStartCheck_OneLine()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"ng-no-model-{Guid.NewGuid():N}");
        using var provider = Build(new() { ["NeuronGuard:Model"] = missing });
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        var line = StartupErrors.AsConfiguration(ex)!.Message;
        Assert.StartsWith("Bad setting: model folder", line, StringComparison.Ordinal);
        Assert.Contains("does not exist", line, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyModelFolder_FailsTheStartCheck()
    {
        var empty = Directory.CreateTempSubdirectory("ng-empty-model-");
        try
        {
            using var provider = Build(new() { ["NeuronGuard:Model"] = empty.FullName });
            var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
            Assert.Contains("is empty", StartupErrors.OneLine(ex), StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete();
        }
    }

    [Fact]
    public void EmptyDataDir_FailsTheGeneratedCheck()
    {
        using var provider = Build(new() { ["NeuronGuard:DataDir"] = "" });
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("DataDir", StartupErrors.OneLine(ex), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelNone_PassesTheStartCheck_WhateverTheFolders()
    {
        using var provider = Build(new() { ["NeuronGuard:Model"] = "NONE" });
        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.False(provider.GetRequiredService<IOptions<BuiltinModelHostOptions>>().Value.Enabled);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddBuiltinModelHost(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();
}
