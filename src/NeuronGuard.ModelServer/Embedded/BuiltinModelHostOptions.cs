using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using NeuronGuard.Daemon;

namespace NeuronGuard.ModelServer.Embedded;

/// <summary>
/// The built-in model host's settings, bound from the daemon's own section (<c>NeuronGuard:Model</c>,
/// <c>NeuronGuard:BuiltinHostToken</c>, <c>NeuronGuard:DataDir</c>), so existing configs and <c>--model</c> keep working;
/// <see cref="DaemonOptions"/> keeps the same keys as the documented config surface.
/// </summary>
public sealed class BuiltinModelHostOptions
{
    /// <summary>The value of Model that asks for the planted fixture explicitly (the demo switch of the shipped configs).</summary>
    public const string FixtureModel = "fixture";

    /// <summary>The value of Model that runs the daemon alone.</summary>
    public const string NoModel = "none";

    /// <summary>A Hugging Face folder, "fixture" or null (the planted fixture under DataDir), or "none".</summary>
    public string? Model { get; set; }

    /// <summary>What the in-process host presents to the daemon (role ingest) when Auth has tokens.</summary>
    public string? BuiltinHostToken { get; set; }

    /// <summary>Where the fixture is written (its folder is {DataDir}/fixture).</summary>
    [Required]
    public string DataDir { get; set; } = new DaemonOptions().DataDir;

    /// <summary>False when Model is "none".</summary>
    public bool Enabled => !string.Equals(Model, NoModel, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the planted fixture is served (Model unset or "fixture").</summary>
    public bool IsFixture => Model is null || string.Equals(Model, FixtureModel, StringComparison.OrdinalIgnoreCase);

    /// <summary>The same settings taken from a daemon's options object (what tests and benchmarks build by hand).</summary>
    public static BuiltinModelHostOptions From(DaemonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new() { Model = options.Model, BuiltinHostToken = options.BuiltinHostToken, DataDir = options.DataDir };
    }

    internal void CopyTo(BuiltinModelHostOptions other)
    {
        other.Model = Model;
        other.BuiltinHostToken = BuiltinHostToken;
        other.DataDir = DataDir;
    }
}

/// <summary>The attribute checks, source-generated.</summary>
[OptionsValidator]
public sealed partial class BuiltinModelHostOptionsValidator : IValidateOptions<BuiltinModelHostOptions>
{
}

/// <summary>A model folder that is missing or empty is a setting mistake, reported before anything loads.</summary>
public sealed class BuiltinModelFolderValidator : IValidateOptions<BuiltinModelHostOptions>
{
    public ValidateOptionsResult Validate(string? name, BuiltinModelHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Problem(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }

    /// <summary>What is wrong with the Model setting, one line; null when fine.</summary>
    public static string? Problem(BuiltinModelHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled || options.IsFixture || options.Model is not { } given)
        {
            return null;
        }
        if (!Directory.Exists(given))
        {
            return $"model folder '{given}' (--model, setting Model) does not exist: give a Hugging Face folder (config.json, tokenizer.json, *.safetensors), or \"none\" to run the daemon alone.";
        }
        return Directory.EnumerateFileSystemEntries(given).Any()
            ? null
            : $"model folder '{given}' (--model, setting Model) is empty: it needs config.json, tokenizer.json and *.safetensors.";
    }
}
