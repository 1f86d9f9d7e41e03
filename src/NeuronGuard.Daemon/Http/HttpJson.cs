using Google.Protobuf;

namespace NeuronGuard.Daemon.Http;

/// <summary>
/// Protobuf JSON as the transcoded routes write it (<see cref="HttpApi.AddNeuronGuardHttpApi"/>): lowerCamelCase
/// names, enums by name, 64-bit integers as strings, fields at their default values written too.
/// </summary>
internal static class HttpJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static string Format(IMessage message) => Formatter.Format(message);
}
