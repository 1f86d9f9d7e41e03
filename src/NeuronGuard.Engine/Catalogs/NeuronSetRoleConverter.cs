using System.Text.Json;
using System.Text.Json.Serialization;

namespace NeuronGuard.Engine.Catalogs;

/// <summary>Reads and writes <see cref="NeuronSetRole"/> as a lowercase name, naming the accepted values on error.</summary>
internal sealed class NeuronSetRoleConverter : JsonConverter<NeuronSetRole>
{
    public override NeuronSetRole Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text switch
        {
            "both" => NeuronSetRole.Both,
            "detect" => NeuronSetRole.Detect,
            "attenuate" => NeuronSetRole.Attenuate,
            _ => throw new JsonException($"role '{text ?? reader.TokenType.ToString()}' is not known: use one of both, detect, attenuate."),
        };
    }

    public override void Write(Utf8JsonWriter writer, NeuronSetRole value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Name(value));

    public static string Name(NeuronSetRole role) => role switch
    {
        NeuronSetRole.Detect => "detect",
        NeuronSetRole.Attenuate => "attenuate",
        _ => "both",
    };
}
