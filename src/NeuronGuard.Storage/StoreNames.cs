using System.Diagnostics.CodeAnalysis;

namespace NeuronGuard.Storage;

/// <summary>
/// Validation of the names that become parts of Redis keys and file names. Restricting them to
/// <c>[A-Za-z0-9._-]</c> keeps ':' free as the key separator and rules out path traversal in the embedded store.
/// </summary>
public static class StoreNames
{
    public const int MaxLength = 128;

    public static bool IsValid([NotNullWhen(true)] string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] == '.')
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    public static void Validate(string? name, string what)
    {
        if (!IsValid(name))
        {
            Throw(name, what);
        }
    }

    /// <summary>
    /// Policy keys are hash fields, not key parts, so only emptiness and size are limited: 1,024 UTF-16 units, room for
    /// the daemon's longest key (a 128-character set, '/', a 128-character tenant, every character outside the BMP).
    /// </summary>
    public static void ValidatePolicyKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 1024)
        {
            throw new ArgumentException($"policy key '{key}' is invalid: use 1 to 1,024 UTF-16 units, e.g. 'toxicity/global'", nameof(key));
        }
    }

    /// <summary>Every write is attributed; the name goes to the audit log and into record headers.</summary>
    public static void ValidateActor(string? actor)
    {
        if (string.IsNullOrWhiteSpace(actor) || actor.Length > 128)
        {
            throw new ArgumentException("every write must name its actor (who made the change, 1 to 128 characters) for the audit log", nameof(actor));
        }
    }

    [DoesNotReturn]
    private static void Throw(string? name, string what) =>
        throw new ArgumentException(
            $"{what} '{name}' is invalid: use 1 to {MaxLength} characters from A-Z a-z 0-9 . _ - (not starting with '.')", what);
}
