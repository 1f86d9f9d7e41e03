using System.Text.Json;
using Google.Protobuf;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Engine.Catalogs;
using Wire = NeuronGuard.Api.V1;

namespace NeuronGuard.Cli.Ctl;

/// <summary>
/// Reads a catalog file in either of the two JSON shapes a user holds: the catalog file format (what <c>discover</c>
/// and <c>catalog import-csv</c> write: <c>"model": {…}</c>, kinds like <c>"backdoor"</c>) or the proto JSON that
/// <c>Catalogs.GetCatalog</c> and <c>ctl catalog get --json</c> return (<c>"modelFingerprint"</c>, kinds like
/// <c>"NEURON_SET_KIND_BACKDOOR"</c>). Both become the same wire catalog, so one command uploads either.
/// </summary>
internal static class CatalogFile
{
    private static readonly JsonParser ProtoJson = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    /// <summary>The wire catalog in <paramref name="path"/>; throws <see cref="CatalogException"/> saying what to fix.</summary>
    public static Wire.Catalog Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!IsProtoJson(bytes))
        {
            return CatalogMapping.ToProto(CatalogJson.Parse(bytes));
        }
        try
        {
            return ProtoJson.Parse<Wire.Catalog>(System.Text.Encoding.UTF8.GetString(bytes));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CatalogException($"'{path}' looks like a proto JSON catalog (it has modelFingerprint) but is not one: {e.Message}", e);
        }
        catch (InvalidJsonException e)
        {
            throw new CatalogException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Proto JSON names the model at the top level (<c>modelFingerprint</c> or <c>model_fingerprint</c>); the file format nests it under <c>model</c>.</summary>
    private static bool IsProtoJson(byte[] bytes)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && (doc.RootElement.TryGetProperty("modelFingerprint", out _) || doc.RootElement.TryGetProperty("model_fingerprint", out _));
        }
        catch (JsonException)
        {
            return false; // CatalogJson.Parse reports where the JSON breaks
        }
    }
}
