using System.Text.Json.Serialization;

namespace NeuronGuard.Offline.IO;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TextLine))]
internal sealed partial class OfflineJsonContext : JsonSerializerContext
{
}
