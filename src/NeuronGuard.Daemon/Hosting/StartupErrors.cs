using Microsoft.Extensions.Options;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>Start-up failures of the options pipeline as the one line the CLI prints (exit 2), never a stack trace.</summary>
public static class StartupErrors
{
    /// <summary>"Bad setting: ..." with every failure of every options type, on one line.</summary>
    public static string OneLine(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var failures = e switch
        {
            OptionsValidationException v => v.Failures,
            AggregateException a => a.Flatten().InnerExceptions.SelectMany(i => i is OptionsValidationException v ? v.Failures : [i.Message]),
            _ => [e.Message],
        };
        return $"Bad setting: {string.Join("; ", failures).ReplaceLineEndings(" ").Trim()}";
    }

    /// <summary>The exception as a <see cref="DaemonConfigurationException"/> when it is an options failure, else null.</summary>
    public static DaemonConfigurationException? AsConfiguration(Exception e) => e switch
    {
        OptionsValidationException => new DaemonConfigurationException(OneLine(e)),
        AggregateException a when a.Flatten().InnerExceptions.All(i => i is OptionsValidationException) => new DaemonConfigurationException(OneLine(e)),
        _ => null,
    };
}
