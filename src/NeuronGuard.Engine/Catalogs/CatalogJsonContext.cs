using System.Text.Json.Serialization;

namespace NeuronGuard.Engine.Catalogs;

/// <summary>Source-generated (reflection-free) JSON metadata for the catalog format.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    Converters = [typeof(NeuronSetKindConverter), typeof(NeuronSetRoleConverter)])]
[JsonSerializable(typeof(Catalog))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext
{
}
