using System.Text.Json;

namespace NeuronGuard.Engine.Catalogs;

/// <summary>
/// The catalog file format (UTF-8 JSON, format 1):
/// <c>{"format":1,"model":{"fingerprint","name"?,"layers","neuronsPerLayer"},"version","sets":[{"name","kind",
/// "role"?,"neurons":[{"layer","index","score"?,"gain"?,"explanation"?:{"promotes":[…],"suppresses":[…],"method"}}],"provenance":{"method","data","date"}}],
/// "probes"?:[{"name","set"?,"bias","lambda"?,"neurons":[{"layer","index","weight","mean","scale"}],"provenance"?}]}</c>
/// (<see cref="CatalogProbe"/>; catalogs without the key, written before probes existed, read as before); role is
/// "detect", "attenuate" or "both" (absent).
/// Parsing also validates the catalog against itself (<see cref="CatalogValidator.Validate(Catalog)"/>).
/// </summary>
public static class CatalogJson
{
    /// <summary>Parses and validates; throws <see cref="CatalogException"/> saying what to fix.</summary>
    public static Catalog Parse(ReadOnlySpan<byte> utf8)
    {
        Catalog? catalog;
        try
        {
            catalog = JsonSerializer.Deserialize(utf8, CatalogJsonContext.Default.Catalog);
        }
        catch (JsonException e)
        {
            string where = e.Path is null ? "" : $" at {e.Path} (line {(e.LineNumber ?? 0) + 1})";
            throw new CatalogException($"the catalog is not valid catalog JSON{where}: {FirstSentence(e.Message)}", e);
        }
        if (catalog is null)
        {
            throw new CatalogException("the catalog file holds JSON null; write a catalog object ({\"format\":1, ...}).");
        }
        CatalogValidator.Validate(catalog);
        return catalog;
    }

    public static Catalog Parse(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public static byte[] Serialize(Catalog catalog) =>
        JsonSerializer.SerializeToUtf8Bytes(catalog, CatalogJsonContext.Default.Catalog);

    public static void Serialize(Catalog catalog, Stream stream) =>
        JsonSerializer.Serialize(stream, catalog, CatalogJsonContext.Default.Catalog);

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
