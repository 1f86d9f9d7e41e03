using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// The daemon's console lines: <c>HH:mm:ss info: Category: message</c>. Like SimpleConsole single-line, but without
/// the event id, which for source-generated messages without an explicit id is a hash (<c>[130501222]</c>) that
/// means nothing to a reader.
/// </summary>
public static class ConsoleLog
{
    public const string FormatterName = "neuronguard";

    public static ILoggingBuilder AddNeuronGuardConsole(this ILoggingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConsole(o => o.FormatterName = FormatterName);
        builder.AddConsoleFormatter<Formatter, ConsoleFormatterOptions>();
        return builder;
    }

    private sealed class Formatter() : ConsoleFormatter(FormatterName)
    {
        public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
        {
            string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
            if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
            {
                return;
            }
            textWriter.Write(DateTime.Now.ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture));
            textWriter.Write(Level(logEntry.LogLevel));
            textWriter.Write(": ");
            textWriter.Write(logEntry.Category);
            textWriter.Write(": ");
            textWriter.Write(message.ReplaceLineEndings(" "));
            if (logEntry.Exception is not null)
            {
                textWriter.Write(' ');
                textWriter.Write(logEntry.Exception.ToString().ReplaceLineEndings(" "));
            }
            textWriter.Write(Environment.NewLine);
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "none",
        };
    }
}
