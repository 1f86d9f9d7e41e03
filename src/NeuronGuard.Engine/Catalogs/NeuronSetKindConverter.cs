using System.Text.Json;
using System.Text.Json.Serialization;

namespace NeuronGuard.Engine.Catalogs;

/// <summary>Reads and writes <see cref="NeuronSetKind"/> as a lowercase name, naming the accepted values on error.</summary>
internal sealed class NeuronSetKindConverter : JsonConverter<NeuronSetKind>
{
    public override NeuronSetKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text switch
        {
            "safety" => NeuronSetKind.Safety,
            "toxicity" => NeuronSetKind.Toxicity,
            "backdoor" => NeuronSetKind.Backdoor,
            "custom" => NeuronSetKind.Custom,
            _ => throw new JsonException($"kind '{text ?? reader.TokenType.ToString()}' is not known: use one of safety, toxicity, backdoor, custom."),
        };
    }

    public override void Write(Utf8JsonWriter writer, NeuronSetKind value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Name(value));

    public static string Name(NeuronSetKind kind) => kind switch
    {
        NeuronSetKind.Safety => "safety",
        NeuronSetKind.Toxicity => "toxicity",
        NeuronSetKind.Backdoor => "backdoor",
        _ => "custom",
    };
}
