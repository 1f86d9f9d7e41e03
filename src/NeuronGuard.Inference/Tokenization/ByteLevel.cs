namespace NeuronGuard.Inference.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ printable-character map (<c>bytes_to_unicode</c>): printable Latin-1 bytes map
/// to themselves, the rest to U+0100 onwards, so a space becomes 'Ġ' and a newline 'Ċ'.
/// </summary>
internal static class ByteLevel
{
    public static readonly char[] ByteToChar = Build();

    public static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] Build()
    {
        var map = new char[256];
        var assigned = new bool[256];
        for (int b = 0; b < 256; b++)
        {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
            {
                map[b] = (char)b;
                assigned[b] = true;
            }
        }
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            if (!assigned[b])
            {
                map[b] = (char)(256 + n++);
            }
        }
        return map;
    }

    /// <summary>UTF-8 bytes of <paramref name="s"/> as byte-level characters.</summary>
    public static string Encode(string s)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(s);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToChar[bytes[i]];
        }
        return new string(chars);
    }
}
