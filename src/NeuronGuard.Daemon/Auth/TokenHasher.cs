using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// Token generation and hashing. Tokens are 32 random bytes, so an unsalted fast hash is enough: nobody can
/// brute-force 256 bits of entropy from the hash, and a fast hash keeps the per-call check cheap. (A slow password
/// hash such as PBKDF2 is for low-entropy human secrets, which these are not.)
/// </summary>
public static class TokenHasher
{
    public const string Prefix = "ng_";
    public const string HashPrefix = "sha256:";

    /// <summary>"sha256:" + lower-case hex SHA-256 of the token's UTF-8 bytes (surrounding whitespace removed).</summary>
    public static string Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(token.Trim()), digest);
        return HashPrefix + Convert.ToHexStringLower(digest);
    }

    /// <summary>A new token: "ng_" + 32 random bytes in base64url (43 characters).</summary>
    public static string NewToken()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return Prefix + Base64Url.EncodeToString(bytes);
    }

    /// <summary>Whether <paramref name="hash"/> has the form "sha256:" + 64 hex digits.</summary>
    public static bool IsWellFormed(string? hash) =>
        hash is not null && hash.Length == HashPrefix.Length + 64
        && hash.StartsWith(HashPrefix, StringComparison.Ordinal)
        && hash.AsSpan(HashPrefix.Length).ContainsAnyExcept("0123456789abcdefABCDEF") is false;
}
