namespace NeuronGuard.Engine.Catalogs;

/// <summary>A catalog that cannot be read or does not fit its model. <see cref="Errors"/> lists every problem found.</summary>
public sealed class CatalogException : Exception
{
    public CatalogException(IReadOnlyList<string> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    public CatalogException(string error, Exception? inner = null)
        : base(error, inner)
    {
        Errors = [error];
    }

    public IReadOnlyList<string> Errors { get; }

    private static string Format(IReadOnlyList<string> errors) =>
        errors.Count == 1 ? errors[0] : $"the catalog has {errors.Count} problems:\n- " + string.Join("\n- ", errors);
}
